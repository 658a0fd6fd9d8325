#!/usr/bin/env bash
# Static checks of the scripts and the Dockerfile, run by .ci/run:
#  - shellcheck on every shell script in the repository: files named *.sh plus files whose first
#    line is a sh/bash shebang, tracked or new (ignored ones and the Maven wrapper, generated
#    upstream, excepted);
#  - dockerlinter 2.0.0 (pinned in deploy/test/package-lock.json, installed with
#    --ignore-scripts by .ci/deps/dockerlinter.sh) on deploy/docker/Dockerfile, failing on any
#    finding down to level info, with shellcheck checking its RUN lines as bash.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts=()
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  case "$f" in
    mvnw | */node_modules/*) continue ;;
    *.sh) scripts+=("$f"); continue ;;
  esac
  if head -n 1 "$f" | grep -Eq '^#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba)?sh\b'; then
    scripts+=("$f")
  fi
done < <(
  if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard
  else # a source tree without git metadata
    find . -type f -not -path './.git/*' -not -path '*/node_modules/*' -not -path '*/target/*' \
      -not -path './bench/bin/*' -printf '%P\0'
  fi
)

if [ "${#scripts[@]}" -eq 0 ]; then
  echo "lint: no shell scripts found" >&2
  exit 1
fi
shellcheck --external-sources "${scripts[@]}"
echo "lint: shellcheck clean on ${#scripts[@]} scripts: ${scripts[*]}"

linter=deploy/test/node_modules/.bin/dockerlinter
if [ ! -x "$linter" ]; then
  echo "lint: $linter missing; run .ci/deps/dockerlinter.sh" >&2
  exit 1
fi
"$linter" --error info --shellcheck bash --file deploy/docker/Dockerfile
echo "lint: dockerlinter clean on deploy/docker/Dockerfile"
