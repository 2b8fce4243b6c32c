console.log("stidebench");
