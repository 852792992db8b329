# Throughput and p99 latency per measured second.
# Columns: t ok_per_s p50_ms p99_ms errors_per_s
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
plot data using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1565c0' axes x1y1 title 'ok per second', \
     '' using 1:4 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#c62828' axes x1y2 title 'p99 (ms)'
