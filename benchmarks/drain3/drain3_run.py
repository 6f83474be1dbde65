#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time Drain3 (drain3.TemplateMiner.add_log_message) on a file, one log message per line.

Usage: drain3_run.py <input.txt>
Prints one JSON line: {"lines": N, "templates": T, "seconds": S}
where S is the in-process wall time of the parsing loop only (file read included,
interpreter start-up and imports excluded).
"""
import json
import sys
import time

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig


def make_miner() -> TemplateMiner:
    # Build the config in code; passing it to TemplateMiner means drain3.ini is never read.
    cfg = TemplateMinerConfig()
    cfg.engine = "Drain"
    cfg.drain_sim_th = 0.5
    cfg.drain_depth = 4
    cfg.profiling_enabled = False
    cfg.mask_prefix = "<"
    cfg.mask_suffix = ">"
    # parametrize_numeric_tokens, drain_max_children, drain_max_clusters,
    # drain_extra_delimiters: library defaults (True, 100, None, []).
    cfg.masking_instructions = [
        MaskingInstruction(r"blk_-?\d+", "*"),
        MaskingInstruction(r"(\d+\.){3}\d+(:\d+)?", "*"),
    ]
    return TemplateMiner(persistence_handler=None, config=cfg)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    miner = make_miner()
    add = miner.add_log_message
    n = 0
    t0 = time.perf_counter()
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            add(line.rstrip("\r\n"))
            n += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"lines": n, "templates": len(miner.drain.clusters),
                      "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
