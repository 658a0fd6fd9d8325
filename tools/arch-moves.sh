#!/usr/bin/env bash
# The package moves of the layering change (issue 12, docs/architecture.md), as a script, so they
# can be applied again to code written against the old package names (a merged branch).
#
# Usage: tools/arch-moves.sh [ROOT]   (ROOT defaults to the repository this script lives in)
#
# For every move "OLD NEW" below it
#   1. moves the source file of OLD, if it is still there, to NEW's path (git mv when tracked) and
#      fixes its package line;
#   2. rewrites every fully qualified OLD to NEW in every *.java file of every module;
#   3. adds an import of NEW to files that used OLD by its simple name without an import
#      (files in OLD's package) and, in the moved file, imports of the classes of its old package
#      that it uses by simple name;
#   4. drops imports of a class from the importing file's own package.
# Then, for every file, it replaces fully qualified io.switchboard.* class references in code
# (not in comments) by an import, where the simple name is free.
#
# Idempotent: a second run changes nothing. Needs bash, GNU sed, awk, grep, find.
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT"

# OLD NEW: fully qualified class names.
MOVES=$(cat <<'EOF'
io.switchboard.server.Server io.switchboard.server.launch.Server
io.switchboard.server.ServerMain io.switchboard.server.launch.ServerMain
io.switchboard.server.ServerStartException io.switchboard.server.launch.ServerStartException
io.switchboard.server.ServerMainTest io.switchboard.server.launch.ServerMainTest
io.switchboard.server.ServerStartTest io.switchboard.server.launch.ServerStartTest
io.switchboard.server.ConfigKeysTest io.switchboard.server.launch.ConfigKeysTest
io.switchboard.server.ClusterFlagTest io.switchboard.server.launch.ClusterFlagTest
io.switchboard.server.HttpFlagsTest io.switchboard.server.launch.HttpFlagsTest
io.switchboard.server.SlowConsumerPolicy io.switchboard.server.session.SlowConsumerPolicy
io.switchboard.server.http.HttpResponses io.switchboard.server.http.response.HttpResponses
io.switchboard.client.internal.ClientHandler io.switchboard.client.ClientHandler
io.switchboard.client.load.LoadRun io.switchboard.client.load.run.LoadRun
io.switchboard.client.load.scenario.Values io.switchboard.client.load.Values
io.switchboard.client.load.scenario.ScenarioException io.switchboard.client.load.ScenarioException
io.switchboard.client.load.workload.Workloads io.switchboard.client.load.engine.Workloads
EOF
)

java_files() {
    find . -path ./.git -prune -o -path '*/target' -prune -o -name '*.java' -type f -print | sort
}

pkg_of() { echo "${1%.*}"; }
simple_of() { echo "${1##*.}"; }
pkg_of_file() { sed -n 's/^package \([a-zA-Z0-9_.]*\);.*/\1/p' "$1" | head -1; }
re_escape() { printf '%s' "$1" | sed 's/\./\\./g'; }

# Adds "import FQN;" to FILE unless present, in sorted place among the non-static imports.
add_import() {
    local file=$1 fqn=$2
    grep -q "^import ${fqn//./\\.};" "$file" && return 0
    awk -v imp="import $fqn;" '
        BEGIN { done = 0 }
        { lines[NR] = $0 }
        END {
            first = 0; last = 0; pkg = 0
            for (i = 1; i <= NR; i++) {
                if (lines[i] ~ /^package /) pkg = i
                if (lines[i] ~ /^import / && lines[i] !~ /^import static /) { if (!first) first = i; last = i }
            }
            for (i = 1; i <= NR; i++) {
                if (!done && first && i >= first && i <= last && lines[i] ~ /^import / \
                        && lines[i] !~ /^import static / && lines[i] > imp) {
                    print imp; done = 1
                }
                print lines[i]
                if (!done && first && i == last) { print imp; done = 1 }
                if (!done && !first && i == pkg) { print ""; print imp; done = 1 }
            }
        }' "$file" > "$file.arch-tmp" && mv "$file.arch-tmp" "$file"
}

# Whether FILE uses the simple NAME in code outside its package and import lines, comments and strings.
uses_name() {
    local file=$1 name=$2
    grep -v '^\(package\|import\) ' "$file" | grep -v '^\s*\(\*\|//\|/\*\)' | sed 's/"\([^"\\]\|\\.\)*"//g' \
        | grep "\b$name\b" >/dev/null
}

# What every file looks like before, so that the files this run changes get their imports sorted.
BEFORE=$(mktemp)
trap 'rm -f "$BEFORE"' EXIT
java_files | xargs -r md5sum > "$BEFORE"

while read -r old new; do
    [ -n "$old" ] || continue
    old_pkg=$(pkg_of "$old"); new_pkg=$(pkg_of "$new"); name=$(simple_of "$old")
    old_path=${old//.//}.java; new_path=${new//.//}.java

    # 1. Move the file.
    while IFS= read -r src; do
        dest=${src%"$old_path"}$new_path
        [ -e "$dest" ] && continue
        mkdir -p "$(dirname "$dest")"
        if git ls-files --error-unmatch "$src" >/dev/null 2>&1; then git mv "$src" "$dest"; else mv "$src" "$dest"; fi
        sed -i "s/^package $(re_escape "$old_pkg");/package $new_pkg;/" "$dest"
        # The moved file used the classes of its old package by simple name.
        srcdir=$(dirname "$src")
        moddir=${src%%/src/*}
        while IFS= read -r sibling; do
            [ "$(dirname "$sibling")" != "" ] || continue
            [ "$(dirname "${sibling#*/java/}")" = "${old_pkg//.//}" ] || continue
            sname=$(basename "$sibling" .java)
            [ "$sname" = package-info ] && continue
            case "$src" in */src/main/*) case "$sibling" in */src/test/*) continue ;; esac ;; esac
            if uses_name "$dest" "$sname"; then add_import "$dest" "$old_pkg.$sname"; fi
        done < <(find "$moddir/src" -maxdepth 20 -path "*/java/${old_pkg//.//}/*.java" 2>/dev/null)
        # An emptied package loses its package-info.
        if [ -z "$(find "$srcdir" -maxdepth 1 -name '*.java' ! -name package-info.java)" ] \
                && [ -e "$srcdir/package-info.java" ]; then
            git rm -q "$srcdir/package-info.java" 2>/dev/null || rm -f "$srcdir/package-info.java"
        fi
    done < <(find . -path '*/target' -prune -o -path "*/src/*/java/$old_path" -print)

    # 2.-4. Rewrite references.
    for f in $(java_files); do
        fpkg=$(pkg_of_file "$f")
        if grep -q "\b$(re_escape "$old")\b" "$f"; then
            sed -i "s/\b$(re_escape "$old")\b/$new/g" "$f"
        fi
        if [ "$fpkg" = "$old_pkg" ] && [ "$fpkg" != "$new_pkg" ] && [ "$(basename "$f" .java)" != "$name" ] \
                && ! grep -q "^import [a-zA-Z0-9_.]*\.$name;" "$f" && uses_name "$f" "$name"; then
            # A file of the old package that has a class of that name itself is not a user.
            [ -e "$(dirname "$f")/$name.java" ] || add_import "$f" "$new"
        fi
        if [ "$fpkg" = "$new_pkg" ] && grep -q "^import $(re_escape "$new");" "$f"; then
            sed -i "/^import $(re_escape "$new");/d" "$f"
        fi
    done
done <<< "$MOVES"

# The io.switchboard class names FILE spells out in code: outside comments, package and import
# lines and string literals (an even number of quotes before it on its line).
code_fqns() {
    perl -ne 'next if /^\s*(\*|\/\/|\/\*)/ || /^(package|import) /;
        while (/\bio\.switchboard(?:\.[a-z][a-z0-9_]*)*\.[A-Z]\w*/g) {
            my $pre = substr($_, 0, $-[0]); print "$&\n" unless ($pre =~ tr/"//) % 2;
        }' "$1" | sort -u
}

# Replaces FQN by NAME in FILE where code_fqns found it.
unqualify() {
    FQN=$2 NAME=$3 perl -pi -e 'next if /^\s*(\*|\/\/|\/\*)/ || /^(package|import) /;
        s{\b\Q$ENV{FQN}\E\b}{ my $pre = substr($_, 0, $-[0]); ($pre =~ tr/"//) % 2 ? $& : $ENV{NAME} }ge' "$1"
}

# Fully qualified io.switchboard classes in code become imports (same package: just the name);
# imports of a class of the file's own package go.
for f in $(java_files); do
    fpkg=$(pkg_of_file "$f")
    for fqn in $(code_fqns "$f"); do
        name=$(simple_of "$fqn"); pkg=$(pkg_of "$fqn")
        if [ "$pkg" != "$fpkg" ]; then
            # Another class of that name imported, declared here or in this package: keep it qualified.
            if grep -q "^import [a-zA-Z0-9_.]*\.$name;" "$f" && ! grep -q "^import $(re_escape "$fqn");" "$f"; then continue; fi
            [ -e "$(dirname "$f")/$name.java" ] && continue
            grep -q "\(class\|interface\|enum\|record\) $name\b" "$f" && continue
            add_import "$f" "$fqn"
        fi
        unqualify "$f" "$fqn" "$name"
    done
    if [ -n "$fpkg" ] && grep -q "^import $(re_escape "$fpkg")\.[A-Z][A-Za-z0-9_]*;" "$f"; then
        sed -i "/^import $(re_escape "$fpkg")\.[A-Z][A-Za-z0-9_]*;/d" "$f"
    fi
done

# Sorts the non-static imports of the files this run changed, when they form one block.
sort_imports() {
    awk '
        { lines[NR] = $0 }
        /^import / && !/^import static / { if (!first) first = NR; last = NR }
        END {
            ok = first > 0
            for (i = first; ok && i <= last; i++) if (lines[i] !~ /^import / || lines[i] ~ /^import static /) ok = 0
            if (ok) {
                n = 0
                for (i = first; i <= last; i++) block[++n] = lines[i]
                for (i = 2; i <= n; i++) { v = block[i]; j = i - 1; while (j > 0 && block[j] > v) { block[j + 1] = block[j]; j-- } block[j + 1] = v }
                for (i = first; i <= last; i++) lines[i] = block[i - first + 1]
            }
            for (i = 1; i <= NR; i++) print lines[i]
        }' "$1" > "$1.arch-tmp" && mv "$1.arch-tmp" "$1"
}
for f in $(java_files); do
    sum=$(md5sum "$f")
    grep -qxF "$sum" "$BEFORE" || sort_imports "$f"
done
