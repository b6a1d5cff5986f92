#!/usr/bin/env bash
# Debian packages the tests and the app's renderings need (Chromium for the browser tests, a CJK
# font for images with Chinese text, LibreOffice Writer for the PDF of a plan, poppler-utils to
# look at its pages), installed only when missing: when everything is there,
# apt is not touched at all (no `apt-get update`). A busy apt lock is waited for (apt's own lock
# timeout, CHAINKG_APT_LOCK_TIMEOUT seconds, default 600) instead of failing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# Read fc-list whole before matching: `fc-list | grep -q` fails under pipefail when grep stops
# reading early (fc-list then dies of SIGPIPE), which made this reinstall fonts that were there.
fonts="$(fc-list : family 2>/dev/null || true)"
case "${fonts,,}" in
*"noto sans cjk"* | *"noto serif cjk"* | *wenquanyi*) ;;
*) need+=(fonts-noto-cjk) ;;
esac
if [ ${#need[@]} -eq 0 ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${need[*]} (no apt-get here: install them by hand; browser tests will skip)" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "missing system packages: ${need[*]} (run as root or with sudo to install them; browser tests will skip)" >&2
    exit 0
  fi
fi
wait_lock=(-o "DPkg::Lock::Timeout=${CHAINKG_APT_LOCK_TIMEOUT:-600}")
echo "installing ${need[*]} ..." >&2
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}")
"${apt[@]}" update -qq >/dev/null
"${apt[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
