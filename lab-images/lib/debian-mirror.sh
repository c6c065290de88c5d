# Sourced by build.sh. apt_uri <suite>: the URI this machine's apt sources use for a suite, read from
# deb822 files (*.sources) and one-line files (sources.list, *.list); nothing printed when none has it.
apt_uri() {
  local files=() f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v want="$1" '
    function stanza_end() { if (uri != "" && (" " suites " ") ~ (" " want " ")) { print uri; done = 1; exit } uri = ""; suites = "" }
    FNR == 1 || /^[[:space:]]*$/ { stanza_end() }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { $1 = ""; suites = $0 }
    /^deb[[:space:]]/ { sub(/\[[^]]*\][[:space:]]*/, ""); if ($3 == want) { print $2; done = 1; exit } }
    END { if (!done) stanza_end() }
  ' "${files[@]}"
}
