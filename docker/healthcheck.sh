#!/bin/bash
# healthcheck.sh PORT PATH: exit 0 when GET http://127.0.0.1:PORT/PATH answers 200. Bash's /dev/tcp, so the
# image needs no HTTP client; every service answers HTTP/1.0 with its status line first.
set -u
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&3
IFS=' ' read -r -t 5 _ status _ <&3 || exit 1
[ "$status" = 200 ]
