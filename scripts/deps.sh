#!/bin/sh
# Installs the Debian packages nex needs, and only those missing: safe to run
# again and again (make run and make check call it every time).
set -e
PKGS="cmake make gcc pkg-config libcjson-dev protobuf-c-compiler libprotobuf-c-dev
libopenblas-dev libonnx-dev libonnx-testdata mlir-14-tools clang libclang-rt-14-dev
python3-onnx liblua5.4-dev libncurses-dev libreadline-dev tmux
nettle-dev valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
