// Owns the list of studies shipped with stidebench: importing this module registers each of them in the
// study registry (src/experiments/studies.ts). Studies live here, beside the core; the core never
// imports them.

import './profiles/index.js';
