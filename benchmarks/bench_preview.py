"""Benchmark: `piri-qual import --preview FILE` answers well under half a second.

Why: the preview is what a researcher runs on each new file before importing it, so it must feel
instant. Target (issue #15): under 0.5 s on an 8,000-word transcript, as a ratio to the floor of
any command, `piri-qual --help` started the same way: preview <= 3x help (0.15 s x 3 = 0.45 s on
the machine the target was set on). The absolute time is printed beside it and checked too.

The file is an 8,000-word interview generated with a fixed seed in three formats researchers
receive (.docx from Word, .odt from LibreOffice, .txt from a transcription service); each round
runs every command in a fresh process (cold: nothing cached between runs), alternating the
order; the figure is the best of the rounds, with the spread (worst/best) shown. Exits 1 when a
target is missed.
Run: python benchmarks/bench_preview.py
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import WORDS  # noqa: E402
from bench_import_formats import write_odt_transcript  # noqa: E402

ROUNDS = 7
TARGET_RATIO = 3.0
TARGET_SECONDS = 0.5


def transcript_paragraphs(rng: random.Random, words: int = 8000) -> list[str]:
    out: list[str] = []
    written = turn = 0
    while written < words:
        label = "Interviewer" if turn % 2 == 0 else "P07"
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 20))).capitalize() + "."
                     for _ in range(rng.randint(1, 6))]
        text = " ".join(sentences)
        out.append(f"{label}: {text}")
        written += len(text.split())
        turn += 1
    return out


def run(args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "piri_qual", *args], capture_output=True, text=True,
                          env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"piri-qual {' '.join(args)} failed:\n{done.stderr}")
    return seconds


def main() -> int:
    from docx import Document

    rng = random.Random(15)
    paragraphs = transcript_paragraphs(rng)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {}
        document = Document()
        for text in paragraphs:
            document.add_paragraph(text)
        files["docx"] = folder / "P07.docx"
        document.save(str(files["docx"]))
        files["odt"] = write_odt_transcript(folder / "P07.odt", paragraphs)
        files["txt"] = folder / "P07.txt"
        files["txt"].write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        words = sum(len(p.split()) - 1 for p in paragraphs)
        print(f"preview of an {words:,}-word interview, fresh process each run, best of {ROUNDS} rounds")
        times: dict[str, list[float]] = {"help": [], **{k: [] for k in files}}
        for round_ in range(ROUNDS):
            order = ["help", *files]
            if round_ % 2:
                order.reverse()
            for name in order:
                args = ["--help"] if name == "help" else ["import", "--preview", str(files[name])]
                times[name].append(run(args))
        floor = min(times["help"])
        ok = True
        print(f"  floor: piri-qual --help {floor:.3f} s (spread {max(times['help']) / floor:.2f}x)")
        for name in files:
            best = min(times[name])
            ratio = best / floor
            met = ratio <= TARGET_RATIO and best < TARGET_SECONDS
            ok &= met
            print(f"preview_{name}: ratio={ratio:.2f}x (target <= {TARGET_RATIO}x, and < {TARGET_SECONDS} s) "
                  f"[ours {best:.3f} s, baseline {floor:.3f} s; spread {max(times[name]) / best:.2f}x]"
                  + ("" if met else "  MISSED"))
        if not ok:
            print("MISSED: import --preview is slower than its target", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
