//! Criterion benchmarks for the Dual Protocol stack live in `benches/`; this library is empty.
