#!/usr/bin/env bash
# Installs the Debian tools some tests need, only when missing: promtool
# (package prometheus: `promtool check/test rules` on deploy/prometheus),
# PyYAML (manifest tests) and Chromium + ChromeDriver (browser tests).
# Idempotent, no input, runs as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# YAML for the manifest tests: any python3 on PATH or Debian's own will do.
python3 -c 'import yaml' >/dev/null 2>&1 || /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)

if (( ${#missing[@]} == 0 )); then exit 0; fi
if (( EUID != 0 )); then
  echo "ci-install-tools: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "ci-install-tools: installing ${missing[*]}"
apt-get update -qq
# No init system here: keep the prometheus package's postinst from starting a server.
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy_rc ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy_rc" && chmod +x "$policy_rc" && created_policy=1
fi
trap '(( created_policy )) && rm -f "$policy_rc"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
