# Verdict matrix: one row per scenario, one column per target and TLS
# version. The data file is a matrix with row and column headers; cells are
# 0 PASS, 1 FAIL, 2 INCONCLUSIVE, 3 ERROR, 4 SKIP, 5 INFO (recorded, not
# judged), 6 FAIL covered by a waiver, -1 not run (left blank).
reset
set title 'Verdicts by scenario'
set palette maxcolors 7
set palette defined (0 '#2e7d32', 1 '#c62828', 2 '#6a1b9a', 3 '#ef6c00', 4 '#9e9e9e', 5 '#4f8fa1', 6 '#a1564f')
set cbrange [-0.5:6.5]
unset colorbox
set yrange [*:*] reverse
set tics scale 0
set xtics rotate by -20 offset 0,-0.3
set border 0
# `mtlsprobe report` names the verdicts present (present_N = 1) in `extra`:
# the key lists those, and only those.
present_0 = 1
present_1 = 1
present_2 = 1
present_3 = 1
present_4 = 1
present_5 = 1
present_6 = 1
if (exists("extra") && strlen(extra) > 0) { load extra }
set key outside right top vertical samplen 1
set style fill solid 1.0 noborder
# -1 is "not run": outside the palette's range, and clipped to nothing
cmd = "plot data matrix rowheaders columnheaders using 1:2:($3 < 0 ? NaN : $3) with image pixels notitle"
if (present_0) { cmd = cmd . ", NaN with boxes lc rgb '#2e7d32' title 'PASS'" }
if (present_1) { cmd = cmd . ", NaN with boxes lc rgb '#c62828' title 'FAIL'" }
if (present_6) { cmd = cmd . ", NaN with boxes lc rgb '#a1564f' title 'FAIL (waived)'" }
if (present_2) { cmd = cmd . ", NaN with boxes lc rgb '#6a1b9a' title 'INCONCLUSIVE'" }
if (present_3) { cmd = cmd . ", NaN with boxes lc rgb '#ef6c00' title 'ERROR'" }
if (present_4) { cmd = cmd . ", NaN with boxes lc rgb '#9e9e9e' title 'SKIP'" }
if (present_5) { cmd = cmd . ", NaN with boxes lc rgb '#4f8fa1' title 'INFO'" }
eval cmd
