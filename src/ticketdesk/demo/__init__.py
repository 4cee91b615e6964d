"""The demo data sets: a small believable desk (`data`) and large generated ones for
benchmarks (`bulk`). They compose every app, so they sit on top of the layers."""
