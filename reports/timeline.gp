# Throughput and p99 latency per measured second.
# Columns: t ok_per_s p50_ms p99_ms errors_per_s length_s. Block 0 holds the
# full seconds; block 1 the partial last second (as a rate over its length,
# at the time it ended), drawn as hollow points so it reads as partial.
reset
set title 'Throughput and p99 latency over time'
set xlabel 'time (s)'
set ylabel 'successful per second'
set y2label 'p99 latency (ms)'
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid xtics ytics lc rgb '#dddddd'
set key bottom right
# `mtlsprobe report` may add settings of its own (threshold lines, whether the
# last second is partial) in the file named by `extra`.
marked = 0
partial = 0
if (exists("extra") && strlen(extra) > 0) { load extra }
if (partial) {
plot data index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1565c0' axes x1y1 title 'ok per second', \
     '' index 0 using 1:4 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#c62828' axes x1y2 title 'p99 (ms)', \
     '' index 1 using 1:2 with points pt 6 ps 1.4 lc rgb '#1565c0' axes x1y1 title 'partial last second', \
     '' index 1 using 1:4 with points pt 6 ps 1.4 lc rgb '#c62828' axes x1y2 notitle
} else {
plot data index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1565c0' axes x1y1 title 'ok per second', \
     '' index 0 using 1:4 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#c62828' axes x1y2 title 'p99 (ms)'
}
