#!/usr/bin/env bash
# One HTTP/1.0 exchange on stdin/stdout (socat EXEC): read the request up to
# its blank line, answer with the node name given as $1.
while IFS= read -r -t 5 l; do
	l=${l%$'\r'}
	[ -z "$l" ] && break
done
body="$1"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' \
	$((${#body} + 1)) "$body"
