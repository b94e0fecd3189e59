#!/bin/sh
# ccag setup, served by a ccag gateway at /setup: installs the ccag CLI from the gateway
# itself (no npm registry needed) and runs `ccag connect` against it.
#
#   curl -fsSL __CCAG_PUBLIC_URL__/setup | sh
#   curl -fsSL __CCAG_PUBLIC_URL__/setup | sh -s -- --scope project   # arguments go to `ccag connect`
#
# Environment:
#   CCAG_INSTALL_BIN=DIR      where the `ccag` launcher goes (default: ~/.local/bin)
#   CCAG_SETUP_NO_CONNECT=1   install only, do not run `ccag connect` (MDM, images, tests)
#   XDG_DATA_HOME             the CLI goes to $XDG_DATA_HOME/ccag/cli (default: ~/.local/share/ccag/cli)
#
# Requires Node.js 20.18.1 or newer, tar, and curl or wget.
set -eu

gateway=__CCAG_PUBLIC_URL_SH__
version=__CCAG_VERSION_SH__
node_min=20.18.1 # package.json "engines"

say() { printf 'ccag setup: %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}
# One shell word in single quotes, for the launcher written below.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

check_node() {
  command -v node >/dev/null 2>&1 || fail "Node.js $node_min or newer is needed, and there is no 'node' on PATH (https://nodejs.org)"
  node -e '
    const [have, want] = [process.versions.node, process.argv[1]].map((v) => v.split(".").map(Number));
    const older = have[0] - want[0] || have[1] - want[1] || have[2] - want[2];
    process.exit(older < 0 ? 1 : 0);
  ' "$node_min" || fail "Node.js $node_min or newer is needed; this one is $(node --version)"
}

download() { # url file
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL "$1" -o "$2" || fail "cannot download $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || fail "cannot download $1"
  else
    fail "curl or wget is needed to download $1"
  fi
}

main() {
  check_node
  command -v tar >/dev/null 2>&1 || fail "tar is needed to unpack the CLI"
  data="${XDG_DATA_HOME:-$HOME/.local/share}/ccag"
  dest="$data/cli"
  bin="${CCAG_INSTALL_BIN:-$HOME/.local/bin}"
  mkdir -p "$data" "$bin"

  # Unpack beside the destination (same file system), then swap it in with renames.
  stage="$data/.cli-setup.$$"
  trap 'rm -rf "$stage"' EXIT
  trap 'exit 130' INT TERM
  rm -rf "$stage" "$dest.old"
  mkdir "$stage"
  say "downloading ccag $version from $gateway"
  download "$gateway/setup/ccag.tgz" "$stage/ccag.tgz"
  tar -xzf "$stage/ccag.tgz" -C "$stage" || fail "cannot unpack $gateway/setup/ccag.tgz"
  [ -f "$stage/package/dist/ccag.mjs" ] || fail "$gateway/setup/ccag.tgz is not a ccag CLI bundle"
  if [ -e "$dest" ]; then mv "$dest" "$dest.old"; fi
  mv "$stage/package" "$dest"
  rm -rf "$dest.old" "$stage"
  trap - EXIT

  launcher="$bin/ccag"
  rm -f "$launcher.tmp"
  printf '#!/bin/sh\n# written by the ccag setup script\nexec node %s "$@"\n' "$(quote "$dest/bin/ccag")" >"$launcher.tmp"
  chmod 755 "$launcher.tmp"
  mv -f "$launcher.tmp" "$launcher"
  say "installed ccag $("$launcher" --version) in $dest (launcher: $launcher)"
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) say "$bin is not on your PATH: add it in your shell's profile, e.g. export PATH=\"$bin:\$PATH\"" ;;
  esac

  if [ "${CCAG_SETUP_NO_CONNECT:-}" = 1 ]; then
    say "skipping 'ccag connect' (CCAG_SETUP_NO_CONNECT=1); run: ccag connect $gateway"
    return 0
  fi
  # Piped into sh, standard input is this script: give connect the terminal when there is one.
  if [ -t 2 ] && (: </dev/tty) 2>/dev/null; then
    exec "$launcher" connect "$gateway" "$@" </dev/tty
  fi
  exec "$launcher" connect "$gateway" "$@"
}

# Nothing runs before the whole script has arrived (a cut download stops at a syntax error).
main "$@"
