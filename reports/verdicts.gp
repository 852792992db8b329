# Verdict matrix: one row per scenario, one column per target and TLS
# version. The data file is a matrix with row and column headers; cells are
# 0 PASS, 1 FAIL, 2 INCONCLUSIVE, 3 ERROR, 4 SKIP, 5 INFO (recorded, not judged),
# 6 FAIL covered by a waiver,
# NaN not run (left blank).
reset
set title 'Verdicts by scenario'
unset key
set palette maxcolors 7
set palette defined (0 '#2e7d32', 1 '#c62828', 2 '#6a1b9a', 3 '#ef6c00', 4 '#9e9e9e', 5 '#4f8fa1', 6 '#a1564f')
set cbrange [-0.5:6.5]
set cbtics ('PASS' 0, 'FAIL' 1, 'INCONCLUSIVE' 2, 'ERROR' 3, 'SKIP' 4, 'INFO' 5, 'FAIL (waived)' 6) scale 0
set yrange [*:*] reverse
set tics scale 0
set xtics rotate by -20 offset 0,-0.3
set border 0
# room for the longest colour-box label ('INCONCLUSIVE', 'FAIL (waived)')
set rmargin 15
plot data matrix rowheaders columnheaders using 1:2:3 with image pixels
