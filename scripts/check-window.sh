#!/usr/bin/env bash
# check-window.sh COMMAND SHOT — starts COMMAND (throw-away data dir and keychain service), waits up to
# 30 s for a visible window titled "envdesk", takes a screenshot, stops it. Exit 0 when the window came.
set -u
ENVDESK_DATA_DIR=$(mktemp -d) ENVDESK_KEYRING_SERVICE=dev.envdesk.check "$1" >/dev/null 2>&1 &
app=$!
for _ in $(seq 30); do
  if xdotool search --onlyvisible --name '^envdesk$' >/dev/null 2>&1; then
    sleep 2
    import -window root "$2"
    kill "$app"
    exit 0
  fi
  sleep 1
done
kill "$app" 2>/dev/null
exit 1
