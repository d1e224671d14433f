#!/bin/bash
# The development rounds of docs/hierarchical.md as run (rounds 3-8; each block written before it ran). Rounds 0-1
# ran an earlier version of this harness whose blocks were found by the first numbered scope only (no split of
# numbered stages); their numbers are reported as such.
set -e
cd "$(dirname "$0")"
run() { python train.py --seeds 0,1,2 --epochs 40 --size flops "$@"; }
# round 3: block graphs as layers or with chains merged; a node-level downsampling feature
HIER_VARIANT=base run --name r3-base
HIER_VARIANT=chain run --name r3-chain
HIER_VARIANT=chain+level run --name r3-chain-level
# round 4: structural node features; a per-block size term
HIER_VARIANT=chain+struct run --name r4-chain-struct
HIER_VARIANT=chain run --name r4-chain-bs --block-size
# round 5: both
HIER_VARIANT=chain+struct run --name r5-chain-struct-bs --block-size
# round 6: a floor under the size term's weight
HIER_SIZE_FLOOR=2 HIER_VARIANT=chain run --name r6-chain-bs-floor2 --block-size
HIER_SIZE_FLOOR=5 HIER_VARIANT=chain run --name r6-chain-bs-floor5 --block-size
# round 7: the structure term pays for its spread (size weight >= 1)
HIER_SIZE_FLOOR=1 HIER_S_PENALTY=0.3 HIER_VARIANT=chain run --name r7-chain-bs-pen0.3 --block-size
HIER_SIZE_FLOOR=1 HIER_S_PENALTY=3 HIER_VARIANT=chain run --name r7-chain-bs-pen3 --block-size
# round 8: smaller penalties
HIER_SIZE_FLOOR=1 HIER_S_PENALTY=0.1 HIER_VARIANT=chain run --name r8-chain-bs-pen0.1 --block-size
HIER_SIZE_FLOOR=1 HIER_S_PENALTY=0.03 HIER_VARIANT=chain run --name r8-chain-bs-pen0.03 --block-size
