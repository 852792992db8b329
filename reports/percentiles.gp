# Percentile spectrum of the total phase, HdrHistogram style: the x axis is
# 1/(1-p) on a log scale, so the tail (99%, 99.9%...) gets room. Block 0 is
# the total latency as recorded (from the intended start in open loop),
# block 1 the uncorrected one. Columns: x latency_ms percentile.
reset
set title 'Latency by percentile (total)'
set xlabel 'percentile'
set ylabel 'latency (ms)'
set logscale x
set xrange [1:*]
set yrange [0:*]
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000, '99.9999%%' 1000000)
set grid xtics ytics lc rgb '#dddddd'
set key top left
set border 3
set xtics nomirror
set ytics nomirror
# `mtlsprobe report` may add settings of its own (threshold lines, whether
# the uncorrected series differs: only in open loop) in the file named by `extra`.
marked = 0
partial = 0
uncorrected = 1
if (exists("extra") && strlen(extra) > 0) { load extra }
cmd = "plot data index 0 using 1:2 with steps lw 2 lc rgb '#6a1b9a' title (uncorrected ? 'total (corrected)' : 'total')"
if (uncorrected) { cmd = cmd . ", '' index 1 using 1:2 with steps lw 2 dt 2 lc rgb '#9e9e9e' title 'total_uncorrected'" }
if (marked > 0) { cmd = cmd . ", marks using 1:2:3:4 with labels left offset 0,0.7 tc rgb variable notitle" }
eval cmd
