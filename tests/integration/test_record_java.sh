#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record --java-perfmap: a HotSpot JVM (Debian's OpenJDK 17) is asked through its attach
# protocol, as `jcmd PID Compiler.perfmap` asks but without running any program, to write
# its perf map, and its JIT frames are named from it and marked _[j]. The attach is tried
# first alone (tests/tools/java_perfmap): on a JVM of another user, again once its listener
# runs, in a container (its own pid and mount namespaces and /tmp), and against what a local
# user can put in its way: a process that is no JVM or cannot take SIGQUIT is not signalled,
# a socket or a listener that is not the JVM's is refused, a reply that is garbage, endless
# or never comes ends the attach cleanly.
. "$(dirname "$0")/lib.sh"
need_bpf
command -v javac >/dev/null ||
	fail "javac is not installed (scripts/deps.sh test installs openjdk-17-jdk-headless)"
attach="$TEST_TOOL_DIR/java_perfmap"
[ -x "$attach" ] || fail "no $attach (the build's test tools)"
nobody=65534
as_nobody=(setpriv --reuid=$nobody --regid=$nobody --clear-groups)
# Files the test makes in the host's /tmp, outside $WORK.
TMP_FILES=()
trap 'cleanup; rm -f "${TMP_FILES[@]}"' EXIT

# Classes and scripts are read by processes of nobody too.
chmod 755 "$WORK"
mkdir "$WORK/java"
javac -d "$WORK/java" "$(dirname "$0")/../programs/java/Hot.java" 2>"$WORK/javac.err" ||
	fail "javac: $(head -n 1 "$WORK/javac.err")"
# spin compiled into code of its own, not inlined into main; frame pointers through JIT code.
jvm_args=(-XX:CompileCommand=quiet -XX:CompileCommand=dontinline,Hot::spin
	-XX:+PreserveFramePointer -cp "$WORK/java" Hot)
libjvm=$(dirname "$(readlink -f "$(command -v java)")")/../lib/server/libjvm.so
[ -f "$libjvm" ] || fail "no libjvm.so beside java ($libjvm)"
echo "$(java -version 2>&1 | head -n 1), $libjvm"

# stop PID: ends a workload of the test (SIGTERM) and waits for it; JVMs spin on every CPU
# they get, and the recording below wants one alone.
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# attach_line PID [OPTIONS]: the driver's line for PID ("PID ok MS" or "PID error NAME ...").
attach_line() {
	local pid=$1
	shift
	"$attach" "$@" "$pid"
}

# expect_error PID NAME WORDS [OPTIONS]: the attach to PID fails with errno NAME and a reason
# containing WORDS.
expect_error() {
	local pid=$1 name=$2 words=$3 line
	shift 3
	line=$(attach_line "$pid" "$@")
	echo "  $line"
	case $line in
	"$pid error $name "*"$words"*) ;;
	*) fail "attach to $pid: wanted $name ($words)" ;;
	esac
}

# 1. A JVM of another user: its listener started by the attach (SIGQUIT and a trigger file),
# its perf map written as its user, naming the hot method; nothing left behind.
bg "${as_nobody[@]}" java "${jvm_args[@]}" >"$WORK/jvm.out" 2>&1
jvm=$!
TMP_FILES+=("/tmp/perf-$jvm.map")
wait_cpu 1 "$jvm" || fail "the JVM did not run"
line=$(attach_line "$jvm") || fail "attach to the JVM: $line"
echo "first attach (listener started): $line"
map=/tmp/perf-$jvm.map
[ -f "$map" ] || fail "no $map after the attach"
[ "$(stat -c %u "$map")" = $nobody ] || fail "$map is not the JVM's user's"
grep -q ' long Hot\.spin(long)$' "$map" || fail "no Hot.spin in $map"
[ -e "/tmp/.attach_pid$jvm" ] && fail "the trigger file /tmp/.attach_pid$jvm was left behind"
[ "$(stat -c %u "/tmp/.java_pid$jvm")" = $nobody ] || fail "the JVM's socket is not its user's"
grep -q 'Full thread dump' "$WORK/jvm.out" && fail "SIGQUIT made the JVM dump its threads"
line=$(attach_line "$jvm") || fail "second attach: $line"
echo "second attach (listener running): $line"
ok "the JVM of another user wrote its perf map, naming Hot.spin"

# 2. In a container: pid 1 of its own pid namespace, its own /tmp, reached through
# /proc/PID/root; the map is /tmp/perf-1.map there.
if command -v unshare >/dev/null && unshare --pid --fork --mount true 2>/dev/null; then
	mkdir -m 1777 "$WORK/ctmp"
	cp "$WORK/java/Hot.class" "$WORK/ctmp/"
	bg unshare --pid --fork --kill-child --mount --propagation private sh -c \
		"mount --bind '$WORK/ctmp' /tmp && exec ${as_nobody[*]} java ${jvm_args[*]:0:3} -cp /tmp Hot" \
		>"$WORK/ctr.out" 2>&1
	ns_parent=$!
	sleep 0.5
	ctr=$(pgrep -P "$ns_parent" | head -n 1)
	[ -n "$ctr" ] || fail "the namespaced JVM did not start"
	BG_PIDS+=("$ctr")
	wait_cpu 1 "$ctr" || fail "the namespaced JVM did not run"
	line=$(attach_line "$ctr") || fail "attach to the namespaced JVM: $line"
	echo "namespaced JVM (pid 1 there, $ctr here): $line"
	grep -q ' long Hot\.spin(long)$' "$WORK/ctmp/perf-1.map" ||
		fail "no Hot.spin in the namespaced JVM's /tmp/perf-1.map"
	[ -e "/tmp/perf-$ctr.map" ] && fail "the namespaced JVM's map is in the host's /tmp"
	[ -e "$WORK/ctmp/.attach_pid1" ] && fail "the trigger file was left in the container"
	stop "$ctr"
	ok "the namespaced JVM wrote /tmp/perf-1.map in its own /tmp"
else
	echo "cannot create pid and mount namespaces here: container part skipped"
fi

# 2b. In a user namespace of its own, whose root is uid 100000 here and where our root is
# nobody: the JVM would close our connection (it serves its own user and root, as it sees
# them), so it is neither signalled nor connected to. The namespace's creator waits on a FIFO
# until root has written its id maps (no newuidmap needed).
if unshare --user true 2>/dev/null; then
	mkdir -m 1777 "$WORK/utmp"
	cp "$WORK/java/Hot.class" "$WORK/utmp/"
	mkfifo -m 666 "$WORK/go"
	bg setpriv --reuid=100000 --regid=100000 --clear-groups unshare --user sh -c \
		"read x <'$WORK/go'; exec unshare --pid --fork --kill-child --mount --propagation private sh -c \"mount --bind '$WORK/utmp' /tmp && exec java ${jvm_args[*]:0:3} -cp /tmp Hot\"" \
		>"$WORK/userns.out" 2>&1
	creator=$!
	for i in $(seq 100); do
		[ "$(readlink "/proc/$creator/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.05
	done
	echo "0 100000 65536" >"/proc/$creator/uid_map" && echo deny >"/proc/$creator/setgroups" &&
		echo "0 100000 65536" >"/proc/$creator/gid_map" || fail "cannot map the user namespace's ids"
	echo go >"$WORK/go"
	for i in $(seq 100); do
		ujvm=$(pgrep -P "$creator" | head -n 1)
		[ -n "$ujvm" ] && grep -q libjvm "/proc/$ujvm/maps" 2>/dev/null && break
		sleep 0.1
	done
	[ -n "$ujvm" ] || fail "the JVM in a user namespace did not start: $(head -n 2 "$WORK/userns.out")"
	BG_PIDS+=("$ujvm")
	wait_cpu 1 "$ujvm" || fail "the JVM in a user namespace did not run"
	echo "a JVM in a user namespace where our root is nobody:"
	expect_error "$ujvm" EPERM "would not serve us"
	[ -e "$WORK/utmp/.java_pid1" ] && fail "the JVM in a user namespace was signalled"
	[ -e "$WORK/utmp/.attach_pid1" ] && fail "a trigger file was left in the user namespace"
	stop "$ujvm"
	grep -q 'Full thread dump' "$WORK/userns.out" && fail "SIGQUIT made the JVM dump its threads"
	ok "the JVM in a user namespace that would refuse us was left alone"
else
	echo "cannot create user namespaces here: user namespace part skipped"
fi

# 3. What a local user can put in the way: processes of nobody mapping libjvm.so, with a
# socket of their own at /tmp/.java_pidPID or one for another process.
cat >"$WORK/fake_jvm.py" <<'EOF'
# fake_jvm.py MODE SOCKET [LIBJVM]: maps LIBJVM (looks like a JVM), listens on SOCKET ("self":
# /tmp/.java_pid<its pid>, "-": none) and answers each client as MODE says: garbage (control
# characters, no status), endless ("0" and 1 MiB), silent (nothing, ever), log (closes). Prints
# "ready", then "request N" with the bytes of each request.
import ctypes, os, signal, socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:
    ctypes.CDLL(sys.argv[3])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if path == "-":
    print("ready", flush=True)
    time.sleep(3600)
    sys.exit(0)
if path == "self":
    path = "/tmp/.java_pid%d" % os.getpid()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
try:
    s.listen(5)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.settimeout(1)
        try:
            data = c.recv(4096)
        except OSError:
            data = b""
        print("request", len(data), flush=True)
        try:
            if mode == "garbage":
                c.sendall(b"\x1b]0;owned\x07\x1b[2J 0\r\n" + b"\x00\xff" * 5000)
            elif mode == "endless":
                c.sendall(b"0\n" + b"A" * (1 << 20))
            elif mode == "silent":
                time.sleep(3600)
        except OSError:
            pass
        c.close()
finally:
    os.unlink(path)
EOF
# fake MODE SOCKET [LIBJVM]: starts fake_jvm.py as nobody; its pid in $fake, its output in
# $WORK/fake.$fake once it is ready.
fake() {
	local i
	"${as_nobody[@]}" /usr/bin/python3 "$WORK/fake_jvm.py" "$@" >"$WORK/fake.out" 2>&1 &
	fake=$!
	BG_PIDS+=("$fake")
	for i in $(seq 100); do
		grep -q ready "$WORK/fake.out" && break
		sleep 0.1
	done
	grep -q ready "$WORK/fake.out" || fail "fake_jvm.py $* did not start: $(head -n 3 "$WORK/fake.out")"
	mv "$WORK/fake.out" "$WORK/fake.$fake"
	TMP_FILES+=("/tmp/.java_pid$fake")
}

echo "a process that is no JVM:"
bg sleep 600
plain=$!
expect_error "$plain" ENOEXEC "not a HotSpot JVM"
kill -0 "$plain" 2>/dev/null || fail "the process that is no JVM is gone"

echo "libjvm.so mapped, SIGQUIT not caught (its default action is a core dump):"
fake log - "$libjvm"
noquit=$fake
expect_error "$noquit" EPERM "does not catch SIGQUIT"
kill -0 "$noquit" 2>/dev/null || fail "the process that does not catch SIGQUIT is gone"
[ -e "/tmp/.attach_pid$noquit" ] && fail "a trigger file was left for $noquit"

echo "a JVM of root whose attach socket a local user made first:"
bg java "${jvm_args[@]}" >"$WORK/jvm_root.out" 2>&1
rjvm=$!
TMP_FILES+=("/tmp/perf-$rjvm.map" "/tmp/.java_pid$rjvm")
wait_cpu 1 "$rjvm" || fail "root's JVM did not run"
fake log "/tmp/.java_pid$rjvm"
planted=$fake
expect_error "$rjvm" EPERM "belongs to uid $nobody, not to the JVM's euid 0"
grep -q request "$WORK/fake.$planted" && fail "the planted socket was connected to"
stop "$planted"
rm -f "/tmp/.java_pid$rjvm"
line=$(attach_line "$rjvm") || fail "attach to root's JVM once the planted socket is gone: $line"
echo "  then, the socket gone: $line"
[ "$(stat -c %u "/tmp/perf-$rjvm.map")" = 0 ] || fail "root's JVM's map is not root's"
stop "$rjvm"

echo "a socket of the right user for the process, served by another process:"
fake log - "$libjvm"
target=$fake
fake log "/tmp/.java_pid$target"
server=$fake
expect_error "$target" EPERM "is served by process $server of uid $nobody, not by the JVM"
grep -q 'request [1-9]' "$WORK/fake.$server" && fail "a request was sent to process $server"

echo "a listener that answers garbage:"
fake garbage self "$libjvm"
expect_error "$fake" EPROTO "not an attach reply"
line=$(attach_line "$fake")
[ "${#line}" -le 300 ] || fail "a reason of ${#line} characters"
LC_ALL=C grep -q '[^ -~]' <<<"$line" && fail "control characters in the reason: $line"

echo "a listener that says success and never stops:"
fake endless self "$libjvm"
expect_error "$fake" ENOENT "No such file"

echo "a listener that never answers:"
fake silent self "$libjvm"
start=$SECONDS
expect_error "$fake" ETIMEDOUT "no reply in time" -t 500
echo "  ended after $((SECONDS - start)) s"
ok "no JVM, no SIGQUIT handler, a foreign socket or listener, bad replies: refused cleanly"

# 4. The recording: bpfprof asks the JVM for its perf map (written anew: the one above is
# removed), and names its JIT frames from it.
rm -f "$map"
record_cpu 1 "$jvm" -q --java-perfmap -p "$jvm" -F 199 -o "$WORK/java.folded" ||
	fail "record --java-perfmap -p exited $?"
[ -f "$map" ] || fail "record --java-perfmap did not have the JVM write $map"
n=$(total "$WORK/java.folded")
jit=$(awk '{ if ($0 ~ /;long Hot\.spin\(long\)_\[j\]( [0-9]+$|;)/) got += $NF; all += $NF }
	END { printf "%.4f\n", all ? got / all : 0 }' "$WORK/java.folded")
echo "samples $n; in Hot.spin, marked _[j]: $jit"
at_least "$n" 100 || fail "too few samples: $n"
at_least "$jit" 0.8 || fail "Hot.spin not named from the JVM's perf map: $jit"
ok "record --java-perfmap: Hot.spin named in $jit of samples"
