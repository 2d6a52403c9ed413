#!/usr/bin/env bash
# deploy/Dockerfile without Docker (no daemon and no image registry here):
# this machine is Debian bookworm like both of its stages, so the build
# stage's steps are replayed on a copy of exactly what it COPYs, and the
# binary it builds must need no shared library beyond the runtime stage's
# packages (and libc6, which debian:bookworm-slim has). What this cannot
# prove: that the base images and apt inside a container behave the same.
# Exits 0 when every check passes.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
df="$root/deploy/Dockerfile"
work=$(mktemp -d /tmp/berth-image.XXXXXX)
passed=0 failed=0
trap 'rm -rf "$work"' EXIT

ok() {
	passed=$((passed + 1))
}
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# Instructions of one stage (1 = build, 2 = runtime), continuation lines
# joined, comments dropped.
stage() {
	awk -v want="$1" '
		/^[[:space:]]*#/ { next }
		{ line = line $0 }
		/\\$/ { sub(/\\$/, " ", line); next }
		{ if (line ~ /^FROM /) n++; if (n == want && line != "") print line; line = "" }
	' "$df"
}
stage 1 >"$work/build"
stage 2 >"$work/runtime"

# Both stages are bookworm, like this machine, or the replay proves little.
. /etc/os-release
if grep -q '^FROM debian:bookworm ' "$work/build" &&
	grep -q '^FROM debian:bookworm-slim' "$work/runtime" &&
	[ "${VERSION_CODENAME:-}" = bookworm ]; then ok; else
	bad "stages must be debian:bookworm / bookworm-slim on a bookworm machine (this is ${VERSION_CODENAME:-?})"
fi

pkgs() { # the packages of a stage's apt-get install
	grep -o 'apt-get install [^&]*' "$1" | tr ' ' '\n' | grep -Ev '^(apt-get|install|-.*|)$'
}
pkgs "$work/build" >"$work/build.pkgs"
pkgs "$work/runtime" >"$work/runtime.pkgs"
# Package names that exist in bookworm: apt knows them, or dpkg has them
# (the -dev packages pull in the runtime libraries).
for p in $(cat "$work/build.pkgs" "$work/runtime.pkgs"); do
	if apt-cache show "$p" >/dev/null 2>&1 || dpkg-query -W "$p" >/dev/null 2>&1; then ok; else
		bad "package $p is unknown to this bookworm machine"
	fi
done
[ -s "$work/runtime.pkgs" ] && ok || bad "no runtime packages found in $df"

# Replay the build stage: the COPY sources into a fresh directory, then
# its RUN lines after the last COPY (the cmake build), as the Dockerfile
# writes them.
src="$work/src"
mkdir -p "$src"
while read -r _ from to; do
	case $from in --*) continue ;; esac
	mkdir -p "$src/$(dirname "$to")"
	cp -r "$root/$from" "$src/${to%/}" || bad "COPY $from: no such path"
done < <(grep '^COPY ' "$work/build")
awk '/^COPY /{run=""; next} /^RUN /{sub(/^RUN /, ""); run = run $0 "\n"} END{printf "%s", run}' \
	"$work/build" >"$work/build.sh"
if grep -q 'cmake --build' "$work/build.sh" &&
	(cd "$src" && bash -e "$work/build.sh") >"$work/build.log" 2>&1 && [ -x "$src/build/berth" ]; then
	ok
else
	bad "the build stage's steps do not build berth:"
	tail -20 "$work/build.log"
fi

bin="$src/build/berth"
if [ -x "$bin" ]; then
	# Every DT_NEEDED library belongs to a runtime package (or libc6).
	while read -r lib; do
		path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=$(dpkg -S "$(realpath "$path" 2>/dev/null || echo "$path")" 2>/dev/null |
			head -1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		if [ "$pkg" = libc6 ] || grep -qx "$pkg" "$work/runtime.pkgs"; then ok; else
			bad "$lib ($path, package '${pkg:-?}') is not installed by the runtime stage"
		fi
	done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	"$bin" --help >/dev/null 2>&1 && ok || bad "berth --help fails"
fi

# The runtime stage: a non-root numeric user (runAsNonRoot can verify it)
# and berth as the entry point.
user=$(awk '$1 == "USER" { print $2 }' "$work/runtime" | tail -1)
if [[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]]; then ok; else bad "USER '$user' is not a numeric non-root user"; fi
grep -q '^ENTRYPOINT \["/usr/bin/berth"\]' "$work/runtime" && ok || bad "ENTRYPOINT is not /usr/bin/berth"
grep -q '^COPY --from=build /src/build/berth /usr/bin/berth' "$work/runtime" && ok ||
	bad "the runtime stage does not take the built binary"

echo "deploy-image: $passed passed, $failed failed"
((failed == 0))
