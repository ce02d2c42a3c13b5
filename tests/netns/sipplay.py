#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sipplay.py - a raw SIP message player for the sipalg namespace lab.

Python 3 standard library only.  Messages are templates (tests/netns/msgs/)
sent byte for byte after placeholder substitution; everything received is
recorded raw, so a check can compare exactly what crossed the gateway.

  agent   one UDP socket (address:port) in one namespace; records every
          message sent and received into --out (JSON, rewritten after
          each event), answers requests automatically (--answer METHOD=FILE,
          --registrar) and executes commands handed to it with "ctl".
  ctl     hand one command to a running agent and wait for its result
          (exit status 0 = the command's condition held):
            send FILE --to HOST:PORT [--var K=V] [--expect CODE] [--wait S]
            reply FILE --match REGEX [--callid X] [--cseq M] [--var K=V]
            wait --match REGEX [--callid X] [--cseq M] [--count N] [--wait S]
            resend [CSEQNUM] --match REGEX [--callid X]   (a sent message again)
            set KEY VALUE     (grant, repeat: registrar settings)
            quit
  check   assertions on a record: count, noprivate, public, clen, has,
          lacks, via-restored (see check_main)
  get     print a value from a record (header values, registrar bindings,
          "media": type and address:port of each SDP m= line)

Templates: text files with LF line ends, converted to CRLF when sent
unless the file name contains ".lf." (sent with LF only).  Placeholders
are {NAME} with NAME in [A-Z0-9_]; an unknown one is an error.  Built in:
LOCALIP LOCALPORT BRANCH (new per message) TAG CALLID CLEN (the body's
length, computed last); replies add R_VIA_LINES R_FROM_LINE R_TO_TAGGED
R_CALLID_LINE R_CSEQ_LINE R_TO_LINE (the header lines of the message
answered, verbatim) and CSEQNUM.  "reply" also answers a response (an ACK
for a non-2xx: Via from the response, sent to where the response came from).
Responses and replies go to the request's source address and port (as a
server honouring rport would), not to its Via; with --via-reply a request
whose top Via has no rport is answered at the source address and the Via's
sent-by port (RFC 3261 18.2.2: a phone that sends from an ephemeral port and
listens on the port its Via names).
"""

import argparse
import json
import os
import random
import re
import select
import shlex
import socket
import sys
import time

COMPACT = {"v": "via", "m": "contact", "f": "from", "t": "to",
           "i": "call-id", "l": "content-length", "c": "content-type",
           "k": "supported", "s": "subject", "e": "content-encoding"}
PRIVATE = re.compile(r"(?<![0-9.])(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|"
                     r"192\.168\.\d{1,3}\.\d{1,3}|"
                     r"172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3})(?![0-9])")
PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def token(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def hostport(s, default=5060):
    host, _, port = s.strip().partition(":")
    return host, int(port) if port else default


# --- parsing -----------------------------------------------------------------

class Msg:
    """Header lines kept verbatim (raw, with continuation lines)."""

    def __init__(self, raw):
        self.raw = raw
        m = re.search(r"\r?\n\r?\n", raw)
        head, self.body = (raw[:m.start()], raw[m.end():]) if m else (raw, "")
        lines = re.split(r"\r?\n", head)
        self.start = lines[0]
        self.lines = []		# [(name, value unfolded, raw line)]
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.lines:
                n, v, r = self.lines[-1]
                self.lines[-1] = (n, v + " " + line.strip(), r + "\n" + line)
                continue
            name, _, value = line.partition(":")
            n = name.strip().lower()
            self.lines.append((COMPACT.get(n, n), value.strip(), line))
        f = self.start.split(" ", 2)
        self.is_request = f[0] != "SIP/2.0"
        self.code = 0 if self.is_request or len(f) < 2 or not f[1].isdigit() \
            else int(f[1])
        self.method = f[0] if self.is_request else None

    def get(self, name):
        for n, v, _ in self.lines:
            if n == name:
                return v
        return None

    def raw_lines(self, name):
        return [r for n, _, r in self.lines if n == name]

    def items(self, name):
        """Comma-separated values of every header NAME (not inside <> "")."""
        out = []
        for n, v, _ in self.lines:
            if n != name:
                continue
            cur, depth, quote = "", 0, False
            for ch in v:
                if ch == '"':
                    quote = not quote
                elif not quote and ch == "<":
                    depth += 1
                elif not quote and ch == ">":
                    depth -= 1
                if ch == "," and not quote and depth == 0:
                    out.append(cur.strip())
                    cur = ""
                else:
                    cur += ch
            if cur.strip():
                out.append(cur.strip())
        return out

    def cseq(self):
        return (self.get("cseq") or "").split()

    def param(self, hdr, name):
        return item_param(self.get(hdr) or "", name)


def uri_of(item):
    m = re.search(r"<([^>]*)>", item)
    return m.group(1) if m else item.split(";")[0].strip()


def uri_host(uri):
    """host[:port] of a sip:/sips: URI, None for other schemes."""
    if not re.match(r"(?i)sips?:", uri):
        return None
    rest = uri.split(":", 1)[1].split(";")[0].split("?")[0]
    return rest.rsplit("@", 1)[-1]


def item_param(item, name):
    tail = item.rsplit(">", 1)[1] if ">" in item else item
    for p in tail.split(";")[1:]:
        k, _, v = p.strip().partition("=")
        if k.lower() == name:
            return v
    return None


def sdp_parts(msg):
    """SDP bodies of a message: the body, or the parts of a multipart body
    whose Content-Type is application/sdp."""
    ctype = (msg.get("content-type") or "").lower()
    if ctype.startswith("application/sdp"):
        return [msg.body]
    m = re.search(r'boundary="?([^";]+)"?', msg.get("content-type") or "",
                  re.I)
    if not ctype.startswith("multipart/") or not m:
        return []
    out = []
    for part in msg.body.split("--" + m.group(1))[1:]:
        hm = re.search(r"\r?\n\r?\n", part)
        if not hm:
            continue
        if re.search(r"(?im)^content-type:\s*application/sdp",
                     part[:hm.start()]):
            out.append(part[hm.end():])
    return out


# --- templates ---------------------------------------------------------------

def render(path, env):
    text = open(path, encoding="latin-1").read()

    def sub(m):
        k = m.group(1)
        if k == "CLEN":
            return m.group(0)
        if k not in env:
            raise KeyError(f"{path}: no value for {{{k}}}")
        return str(env[k])
    text = PLACEHOLDER.sub(sub, text)
    if ".lf." not in os.path.basename(path):
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        sep = "\r\n\r\n"
    else:
        sep = "\n\n"
    _, found, body = text.partition(sep)
    clen = len(body.encode("latin-1")) if found else 0
    return text.replace("{CLEN}", str(clen))


def reply_env(req, tag):
    to = req.raw_lines("to")[0] if req.raw_lines("to") else "To: <sip:x>"
    if req.param("to", "tag") is None:
        to = to + ";tag=" + tag
    return {"R_VIA_LINES": "\n".join(req.raw_lines("via")),
            "R_FROM_LINE": "\n".join(req.raw_lines("from")),
            "R_TO_TAGGED": to,
            "R_TO_LINE": "\n".join(req.raw_lines("to")),
            "CSEQNUM": (req.cseq() or ["1"])[0],
            "R_CALLID_LINE": "\n".join(req.raw_lines("call-id")),
            "R_CSEQ_LINE": "\n".join(req.raw_lines("cseq"))}


# --- the agent ---------------------------------------------------------------

class Agent:
    def __init__(self, a):
        self.a = a
        self.ip, self.port = hostport(a.local)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.ip, self.port))
        random.seed(a.name)	# the same tags and branches every run
        self.tag = token()
        self.vars = dict(kv.split("=", 1) for kv in a.var)
        self.answer = dict(kv.split("=", 1) for kv in a.answer)
        self.grant = a.grant
        self.repeat = 1
        self.rec = {"local": a.local, "recv": [], "sent": [], "results": [],
                    "bindings": {}}
        self.msgs = []		# parsed, parallel to rec["recv"]
        self.bindings = {}	# registrar: AOR -> {contact URI: (end, granted)}
        self.t0 = time.time()
        self.done = False

    def save(self):
        tmp = self.a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.rec, f, indent=1)
        os.replace(tmp, self.a.out)

    def env(self, extra=None):
        e = {"LOCALIP": self.ip, "LOCALPORT": self.port, "TAG": self.tag,
             "BRANCH": "z9hG4bK" + token(), "CALLID": token(16)}
        e.update(self.vars)
        e.update(extra or {})
        return e

    def send_raw(self, text, dst, label):
        ent = {"t": round(time.time() - self.t0, 3), "dst": f"{dst[0]}:{dst[1]}",
               "label": label, "raw": text}
        try:
            self.sock.sendto(text.encode("latin-1"), dst)
        except OSError as e:
            ent["error"] = str(e)
        self.rec["sent"].append(ent)

    def poll(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return
        data, src = self.sock.recvfrom(65535)
        raw = data.decode("latin-1")
        self.rec["recv"].append({"t": round(time.time() - self.t0, 3),
                                 "src": f"{src[0]}:{src[1]}", "raw": raw})
        m = Msg(raw)
        self.msgs.append(m)
        if m.is_request:
            try:
                self.auto_answer(m, src)
            except (KeyError, OSError) as e:	# a bad template: record it
                self.rec["results"].append({"auto": m.start, "ok": False,
                                            "info": str(e)})
        self.save()

    def resp_dst(self, m, src):
        """Where a response to request M from SRC goes."""
        vias = m.items("via")
        if not self.a.via_reply or not vias or \
                item_param(vias[0], "rport") is not None:
            return src
        sent_by = vias[0].split(";")[0].split()[-1]
        return src[0], hostport(sent_by)[1]

    def auto_answer(self, m, src):
        src = self.resp_dst(m, src)
        if m.method == "REGISTER" and self.a.registrar:
            text = self.registrar(m)
            for _ in range(self.repeat):
                self.send_raw(text, src, "auto REGISTER")
            return
        tpl = self.answer.get(m.method)
        if tpl:
            e = self.env(reply_env(m, self.tag))
            self.send_raw(render(tpl, e), src, "auto " + m.method)

    def registrar(self, m):
        """RFC 3261 10.3 in short: add, refresh, remove; answer with every
        binding kept and its granted expiry."""
        now = time.time()
        hdr_exp = m.get("expires")
        items = m.items("contact")
        aor = uri_of(m.get("to") or "")
        b = self.bindings.setdefault(aor, {})
        if items == ["*"]:
            if hdr_exp == "0":
                b.clear()
        else:
            for it in items:
                want = item_param(it, "expires") or hdr_exp or "3600"
                want = int(want) if want.isdigit() else 3600
                g = min(want, self.grant) if self.grant else want
                uri = uri_of(it)
                if g == 0:
                    b.pop(uri, None)
                else:
                    b[uri] = (now + g, g)
        for u in [u for u, v in b.items() if v[0] <= now]:
            del b[u]
        self.rec["bindings"] = {a: {u: v[1] for u, v in x.items()}
                                for a, x in self.bindings.items()}
        e = self.env(reply_env(m, self.tag))
        lines = ["SIP/2.0 200 OK", e["R_VIA_LINES"], e["R_FROM_LINE"],
                 e["R_TO_TAGGED"],
                 e["R_CALLID_LINE"], e["R_CSEQ_LINE"]]
        lines += [f"Contact: <{u}>;expires={v[1]}"
                  for u, v in b.items()]
        lines += ["Content-Length: 0", "", ""]
        return "\n".join(lines).replace("\n", "\r\n")

    def find(self, match, callid=None, cseq=None):
        rx = re.compile(match)
        return [i for i, m in enumerate(self.msgs) if rx.search(m.start) and
                (callid is None or m.get("call-id") == callid) and
                (cseq is None or m.cseq()[1:] == [cseq])]

    def wait_for(self, pred, limit):
        end = time.time() + limit
        while time.time() < end:
            if pred():
                return True
            self.poll(min(0.02, max(0, end - time.time())))
        return pred()

    def command(self, argv):
        p = argparse.ArgumentParser(prog="ctl", add_help=False)
        p.add_argument("cmd")
        p.add_argument("args", nargs="*")
        p.add_argument("--to")
        p.add_argument("--var", action="append", default=[])
        p.add_argument("--expect", type=int)
        p.add_argument("--wait", type=float, default=5)
        p.add_argument("--match", default=".")
        p.add_argument("--callid")
        p.add_argument("--cseq", help="CSeq method")
        p.add_argument("--count", type=int, default=1)
        p.add_argument("--label", default="")
        c = p.parse_args(argv)
        extra = dict(kv.split("=", 1) for kv in c.var)
        if c.cmd == "quit":
            self.done = True
            return True, "bye"
        if c.cmd == "set":
            k, v = c.args
            if k == "grant":
                self.grant = int(v)
            elif k == "repeat":
                self.repeat = int(v)
            else:
                return False, f"unknown setting {k}"
            return True, f"{k}={v}"
        if c.cmd == "sleep":
            self.wait_for(lambda: False, float(c.args[0]))
            return True, "slept"
        if c.cmd == "wait":
            ok = self.wait_for(lambda: len(self.find(c.match, c.callid,
                                                     c.cseq)) >= c.count,
                               c.wait)
            return ok, f"{len(self.find(c.match, c.callid, c.cseq))} matching"
        if c.cmd == "send":
            e = self.env(extra)
            text = render(c.args[0], e)
            n0 = len(self.msgs)
            self.send_raw(text, hostport(c.to), c.label or c.args[0])
            self.save()
            if c.expect is None:
                return "error" not in self.rec["sent"][-1], "sent"
            sent = Msg(text)
            cid, cseq = sent.get("call-id"), sent.cseq()

            def got():
                return any(m.code == c.expect and m.get("call-id") == cid and
                           m.cseq() == cseq for m in self.msgs[n0:])
            ok = self.wait_for(got, c.wait)
            return ok, f"{'got' if ok else 'no'} {c.expect}"
        if c.cmd == "resend":
            # A message this agent sent before, again, byte for byte, to
            # the same destination (a late or retransmitted response).
            rx = re.compile(c.match)
            old = [e for e in self.rec["sent"]
                   if rx.search(Msg(e["raw"]).start) and
                   (c.callid is None or Msg(e["raw"]).get("call-id") ==
                    c.callid) and
                   (not c.args or Msg(e["raw"]).cseq()[:1] == c.args[:1])]
            if not old:
                return False, "nothing to resend"
            self.send_raw(old[0]["raw"], hostport(old[0]["dst"]),
                          "resend " + old[0]["label"])
            return True, "resent"
        if c.cmd == "reply":
            idx = self.find(c.match, c.callid, c.cseq)
            if not idx:
                return False, "no request to answer"
            req = self.msgs[idx[-1]]
            src = hostport(self.rec["recv"][idx[-1]]["src"])
            if req.is_request:
                src = self.resp_dst(req, src)
            e = self.env(reply_env(req, self.tag))
            e.update(extra)
            self.send_raw(render(c.args[0], e), src, c.label or c.args[0])
            return True, "replied"
        return False, f"unknown command {c.cmd}"

    def run(self):
        open(self.a.out + ".ready", "w").close()
        self.save()
        end = time.time() + self.a.timeout
        cdir, name = self.a.dir, self.a.name
        while not self.done and time.time() < end:
            self.poll(0.02)
            cmds = sorted(f for f in os.listdir(cdir)
                          if f.startswith(name + ".cmd.") and
                          not f.endswith(".tmp"))
            for f in cmds:
                cid = f[len(name) + 5:]
                argv = json.load(open(os.path.join(cdir, f)))
                os.unlink(os.path.join(cdir, f))
                try:
                    ok, info = self.command(argv)
                except Exception as e:  # a bad command is its own failure
                    ok, info = False, f"{type(e).__name__}: {e}"
                self.rec["results"].append({"cmd": argv, "ok": ok,
                                            "info": info})
                self.save()
                tmp = os.path.join(cdir, f"{name}.done.{cid}.tmp")
                with open(tmp, "w") as fo:
                    json.dump({"ok": ok, "info": info}, fo)
                os.replace(tmp, os.path.join(cdir, f"{name}.done.{cid}"))
                if self.done:
                    break
        self.save()


def ctl_main(a):
    cid = f"{time.time_ns():020d}.{os.getpid()}"
    path = os.path.join(a.dir, f"{a.name}.cmd.{cid}")
    with open(path + ".tmp", "w") as f:
        json.dump(a.argv, f)
    os.replace(path + ".tmp", path)
    done = os.path.join(a.dir, f"{a.name}.done.{cid}")
    end = time.time() + a.timeout
    while not os.path.exists(done):
        if time.time() > end:
            print(f"{a.name}: no answer to {shlex.join(a.argv)}")
            return 2
        time.sleep(0.01)
    r = json.load(open(done))
    print(f"{a.name}: {shlex.join(a.argv)}: {r['info']}")
    return 0 if r["ok"] else 1


# --- checks ------------------------------------------------------------------

def select_msgs(a):
    rec = json.load(open(a.file))
    ents = rec["sent" if a.sent else "recv"]
    rx = re.compile(a.match)
    out = []
    for e in ents:
        m = Msg(e["raw"])
        if rx.search(m.start) and (a.callid is None or
                                   m.get("call-id") == a.callid) and \
                (a.cseq is None or m.cseq()[1:] == [a.cseq]):
            out.append(m)
    if a.nth is not None:
        out = out[a.nth:a.nth + 1] if a.nth >= 0 else out[a.nth:][:1]
    return rec, out


def private_in(m, allow):
    """(field, value) pairs of top Via, Contact and SDP c=/o= that hold a
    private address; ALLOW strings are removed first (opaque fields)."""
    bad = []

    def test(field, text):
        for s in allow:
            text = text.replace(s, "")
        if PRIVATE.search(text):
            bad.append((field, text))
    vias = m.items("via")
    if vias:
        test("top Via", vias[0])
    for it in m.items("contact"):
        test("Contact", it)
    for part in sdp_parts(m):
        for line in re.split(r"\r?\n", part):
            if line[:2] in ("c=", "o=", "m=") or line.startswith("a=rtcp:"):
                test("SDP " + line[:2], line)
    return bad


def check_main(a):
    rec, msgs = select_msgs(a)
    what = f"{a.kind} on {len(msgs)} message(s) matching /{a.match}/"
    errs = []
    if a.kind == "count":
        n = len(msgs)
        if n < a.min or (a.max is not None and n > a.max):
            errs.append(f"{n} messages, wanted {a.min}..{a.max}")
    elif not msgs:
        errs.append("no such message")
    for m in msgs if a.kind != "count" else []:
        first = m.start
        if a.kind == "noprivate" and a.anywhere:
            text = m.raw
            for t in a.allow:
                text = text.replace(t, "")
            errs += [f"{first}: private address {x.group(0)} in "
                     f"{text[max(0, x.start() - 30):x.end() + 10]!r}"
                     for x in PRIVATE.finditer(text)]
        elif a.kind == "noprivate":
            errs += [f"{first}: private address in {f}: {v}"
                     for f, v in private_in(m, a.allow)]
        elif a.kind == "clen":
            v = m.get("content-length")
            n = len(m.body.encode("latin-1"))
            if v is None or not v.isdigit() or int(v) != n:
                errs.append(f"{first}: Content-Length {v}, body {n} bytes")
        elif a.kind in ("has", "lacks"):
            for t in a.text:
                t = t.replace("\\r", "\r").replace("\\n", "\n") \
                    .replace("\\t", "\t")
                if (t in m.raw) != (a.kind == "has"):
                    errs.append(f"{first}: {'missing' if a.kind == 'has' else 'holds'} {t!r}")
        elif a.kind == "public":
            # The top Via and every sip:/sips: Contact name --addr.
            vias = m.items("via")
            sent_by = vias[0].split(";")[0].split()[-1] if vias else ""
            hosts = [sent_by] + [uri_host(uri_of(it)) for it in
                                 m.items("contact") if uri_host(uri_of(it))]
            errs += [f"{first}: {h} is not {a.addr}" for h in hosts
                     if h.split(":")[0] != a.addr]
        elif a.kind == "via-restored":
            # The response's Via lines, byte for byte, are those of the
            # request it answers (same top branch) as this endpoint sent it.
            br = m.items("via")[0].split("branch=")[-1].split(";")[0] \
                if m.items("via") else ""
            reqs = [Msg(e["raw"]) for e in rec["sent"]]
            reqs = [q for q in reqs if q.is_request and q.items("via") and
                    q.items("via")[0].split("branch=")[-1].split(";")[0] == br]
            if not reqs:
                errs.append(f"{first}: no request sent with branch {br}")
            elif reqs[0].raw_lines("via") != m.raw_lines("via"):
                errs.append(f"{first}: Via {m.raw_lines('via')} != sent "
                            f"{reqs[0].raw_lines('via')}")
        else:
            errs.append(f"unknown check {a.kind}")
            break
    for e in errs:
        print(e)
    if not errs:
        print("ok:", what)
    return 1 if errs else 0


def get_main(a):
    rec, msgs = select_msgs(a)
    if a.what == "bindings":
        for aor, b in rec["bindings"].items():
            for u in b:
                print(aor, u, b[u])
        return 0
    if a.what == "media":
        # "type address:port" of every m= line of each message's SDP
        # (media-level c= before the session's).
        for m in msgs:
            for part in sdp_parts(m):
                sess, cur = None, None
                for line in re.split(r"\r?\n", part):
                    if line.startswith("m="):
                        if cur:
                            print(cur[0], f"{cur[1] or sess}:{cur[2]}")
                        f = line[2:].split()
                        cur = [f[0], None, f[1] if len(f) > 1 else ""]
                    elif line.startswith("c="):
                        addr = line.split()[-1] if line.split() else ""
                        if cur:
                            cur[1] = addr
                        else:
                            sess = addr
                if cur:
                    print(cur[0], f"{cur[1] or sess}:{cur[2]}")
        return 0 if msgs else 1
    if a.what == "contact-hostport":
        for m in msgs:
            for it in m.items("contact"):
                if uri_host(uri_of(it)):
                    print(uri_host(uri_of(it)))
        return 0 if msgs else 1
    for m in msgs:
        for v in m.items(a.what) if a.split else \
                [v for n, v, _ in m.lines if n == a.what]:
            print(v)
    return 0 if msgs else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="role", required=True)
    p = sub.add_parser("agent")
    p.add_argument("--local", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--var", action="append", default=[])
    p.add_argument("--answer", action="append", default=[])
    p.add_argument("--registrar", action="store_true")
    p.add_argument("--grant", type=int, default=0)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--via-reply", action="store_true",
                   help="answer a request without rport at the Via's "
                   "sent-by port (RFC 3261 18.2.2)")
    p = sub.add_parser("ctl")
    p.add_argument("--dir", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("argv", nargs=argparse.REMAINDER)
    for role in ("check", "get"):
        p = sub.add_parser(role)
        p.add_argument("kind" if role == "check" else "what")
        p.add_argument("file")
        p.add_argument("--sent", action="store_true")
        p.add_argument("--match", default=".")
        p.add_argument("--callid")
        p.add_argument("--cseq", help="CSeq method")
        p.add_argument("--nth", type=int)
        p.add_argument("--min", type=int, default=1)
        p.add_argument("--max", type=int)
        p.add_argument("--allow", action="append", default=[])
        p.add_argument("--text", action="append", default=[])
        p.add_argument("--split", action="store_true")
        p.add_argument("--addr")
        p.add_argument("--anywhere", action="store_true",
                       help="noprivate: the whole message, not only top "
                       "Via, Contact, SDP")
    a = ap.parse_args()
    if a.role == "agent":
        Agent(a).run()
        return 0
    if a.role == "ctl":
        if a.argv and a.argv[0] == "--":
            a.argv = a.argv[1:]
        return ctl_main(a)
    return check_main(a) if a.role == "check" else get_main(a)


if __name__ == "__main__":
    sys.exit(main())
