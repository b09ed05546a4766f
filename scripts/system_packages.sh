#!/usr/bin/env bash
# Install the system packages Xiuhao needs when they are missing: as root with apt-get,
# otherwise print what to install. Usage: system_packages.sh fonts|chromium|gettext
set -uo pipefail
want=()
case "${1:-}" in
  fonts)
    # A CJK font for PDFs and captcha images.
    if ! fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|WenQuanYi"; then want+=(fonts-noto-cjk fontconfig); fi ;;
  chromium)
    if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then want+=(chromium); fi ;;
  gettext)
    # xgettext: the translation test checks that every msgid in the code is translated.
    if ! command -v xgettext >/dev/null 2>&1; then want+=(gettext); fi ;;
esac
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null \
    || { echo "apt-get could not install ${want[*]}" >&2; exit 1; }
else
  echo "Please install these system packages (as root): apt-get install ${want[*]}" >&2
  [ "${1:-}" = "chromium" ] && exit 0
  exit 0
fi
