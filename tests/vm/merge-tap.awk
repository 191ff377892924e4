# merge-tap.awk FILE.NAME...: one TAP stream from several, renumbered under one plan, each test
# prefixed with [NAME] (the file name after its first dot: tinyrun-vm-tap.v2 -> [v2]). A file that
# is only a skip plan ("1..0 # SKIP why") becomes one skipped test. Used by tests/vm/run.sh (one
# file per VM variant) and tests/vm/lima/guest.sh (one per runtime).
FNR == 1 { v = FILENAME; sub(/.*\//, "", v); sub(/^[^.]*\./, "", v) }
/^1\.\.[0-9]+/ {
    if ($0 ~ /SKIP/) { n++; printf "ok %d - [%s] # SKIP%s\n", n, v, substr($0, index($0, "SKIP") + 4) }
    next
}
/^(not )?ok [0-9]+/ {
    n++; line = $0
    neg = (line ~ /^not /); sub(/^(not )?ok [0-9]+ ?(- )?/, "", line)
    printf "%s %d - [%s] %s\n", neg ? "not ok" : "ok", n, v, line
    next
}
{ print }
END { printf "1..%d\n", n }
