#!/usr/bin/env bash
# The exact bytes of `mxtls serve`'s socketmap replies, framing included,
# against tests/golden/serve/replies.txt, over one connection as Postfix
# keeps it (a generous --lookup-timeout: the bytes matter here, not the time,
# and a loaded machine must not turn an answer into TEMP). Needs the demo world. Usage: serve_replies_test.sh MXTLS_BINARY [--update]
set -uo pipefail
mxtls=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
golden=$top/tests/golden/serve/replies.txt
source "$top/testbed/run/env"
port=$((18861 + $$ % 100))
work=$(mktemp -d)
trap 'kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null; rm -rf "$work"' EXIT
printf 'nostarttls.example may\n' >"$work/rules"
"$mxtls" serve --allow-root --listen 127.0.0.1:$port --cache "$work/cache.sqlite" --quiet --map tls --map lenient=dane \
  --lookup-timeout 30 \
  --rules "$work/rules" --resolver-config "$MXTLS_RESOLVER_CONFIG" --ca-file "$MXTLS_CA_FILE" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do postmap -q x.invalid "socketmap:inet:127.0.0.1:$port:tls" >/dev/null 2>&1; [ $? -le 1 ] && break; sleep 0.1; done

python3 - "$port" "$golden" "${2:-}" <<'PY'
import ast, socket, sys
port, golden, update = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "--update"
lines = open(golden, "rb").read().split(b"\n")
s = socket.create_connection(("127.0.0.1", port), timeout=30)
buffer = b""
def reply():  # one netstring, read exactly
    global buffer
    while b":" not in buffer: buffer += s.recv(4096)
    size, rest = buffer.split(b":", 1)
    while len(rest) < int(size) + 1: rest += s.recv(4096)
    framed = size + b":" + rest[: int(size) + 1]
    buffer = rest[int(size) + 1 :]
    return framed
out, failures = [], 0
for line in lines:
    if not line or line.startswith(b"#"):
        out.append(line); continue
    payload = ast.literal_eval(line.split(b"\t")[0].decode())
    s.sendall(b"%d:%s," % (len(payload), payload))
    got = reply()
    out.append(line.split(b"\t")[0] + b"\t" + repr(got).encode())
    if not update and out[-1] != line:
        failures += 1
        print("FAIL: %r: got %r, golden %s" % (payload, got, line.split(b"\t")[1].decode()))
if update: open(golden, "wb").write(b"\n".join(out))
sys.exit(1 if failures else 0)
PY
rc=$?
[ $rc -eq 0 ] && echo "serve: every reply byte as in the golden file"
exit $rc
