#!/usr/bin/env bash
# Runs ShellCheck on every shell script of the project (by extension or shebang).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(
  git ls-files --cached --others --exclude-standard -- scripts test bin .ci |
    while read -r f; do
      [ -f "$f" ] || continue
      case "$f" in
        *.sh|*.bash) echo "$f" ;;
        *) head -n1 "$f" | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
      esac
    done
)
echo "shellcheck: ${#files[@]} scripts"
shellcheck -x -P SCRIPTDIR "${files[@]}"
