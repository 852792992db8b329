# Errors per measured second (same data file as timeline.gp).
reset
set title 'Errors over time'
set xlabel 'time (s)'
set ylabel 'errors per second'
set yrange [0:*]
set style fill solid 0.7 noborder
set boxwidth 0.8 relative
set grid ytics lc rgb '#dddddd'
set border 3
set xtics nomirror
set ytics nomirror
set key top right
plot data using 1:5 with boxes lc rgb '#c62828' title 'errors per second'
