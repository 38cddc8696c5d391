"""Reading the guides in docs/ and running their commands.

The rule, stated at the top of every guide:

- a block tagged ```sh runs, in order, against a local network and must exit 0;
- a block tagged ```sh production needs Docker and Besu: it runs in a scratch copy of docker/ where
  `docker`, `curl` (Besu JSON-RPC) and `ler-node` are stand-ins that check each call (standins.py);
- a block tagged ```text is shown only, except right after one of the above (blank lines between
  allowed): then it is that block's expected output, where "..." matches anything and any run of
  blanks matches any run of blanks (so line wrapping does not matter).

Any other tag is an error, so no command can slip into a guide untested.

The guides wait for an agent with ``until CHECK; do sleep 1; done``, a pace for a person at a
terminal; here such a loop checks every 0.2 s (:data:`POLL`): the same loop, answered sooner.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

RUN, PRODUCTION, TEXT = "sh", "sh production", "text"
TAGS = {RUN, PRODUCTION, TEXT}
FENCE = "```"
# A guide's poll, and how it runs here.
POLL, FAST_POLL = "; do sleep 1; done", "; do sleep 0.2; done"
# Variables bash sets itself; they never carry over from one block to the next.
SHELL_OWN = {"_", "SHLVL", "PWD", "OLDPWD", "BASHOPTS", "SHELLOPTS", "BASH_EXECUTION_STRING"}


@dataclass
class Block:
    """One fenced block of a guide."""

    guide: str
    section: str
    line: int
    tag: str
    code: str
    expected: str | None = None

    @property
    def where(self) -> str:
        """guide:line (section)."""
        return f"{self.guide}:{self.line} ({self.section})"


@dataclass
class Guide:
    """A guide's blocks, in document order."""

    name: str
    blocks: list[Block] = field(default_factory=list)

    def sections(self) -> list[str]:
        """Sections holding commands, in document order."""
        seen: list[str] = []
        for block in self.commands():
            if block.section not in seen:
                seen.append(block.section)
        return seen

    def commands(self, section: str | None = None) -> list[Block]:
        """The ```sh and ```sh production blocks (of one section)."""
        return [
            b for b in self.blocks if b.tag != TEXT and (section is None or b.section == section)
        ]


def read_guide(path: Path) -> Guide:
    """Split a guide into its fenced blocks; a text block right after a command is its output."""
    guide = Guide(path.name)
    section = ""
    lines = path.read_text("utf-8").splitlines()
    index = 0
    previous: Block | None = None  # the last block, while only blank lines follow it
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith(FENCE):
            if line.strip():
                previous = None
            index += 1
            continue
        tag = line[len(FENCE) :].strip()
        start = index + 1
        index = start
        while index < len(lines) and lines[index].rstrip() != FENCE:
            index += 1
        if index == len(lines):
            raise ValueError(f"{path.name}:{start}: the block is never closed")
        if tag not in TAGS:
            raise ValueError(
                f"{path.name}:{start}: block tagged {tag!r}; use one of {sorted(TAGS)}"
            )
        code = "\n".join(lines[start:index]) + "\n"
        if tag == TEXT and previous is not None and previous.tag != TEXT:
            previous.expected = code
            previous = None
        else:
            previous = Block(path.name, section, start, tag, code)
            guide.blocks.append(previous)
        index += 1
    return guide


def output_pattern(expected: str) -> re.Pattern[str]:
    """The expected output as a regex: "..." matches anything, blanks match any blanks."""
    parts = []
    for piece in re.split(r"(\.\.\.|\s+)", expected.strip()):
        if piece == "...":
            parts.append(".*?")
        elif piece and piece.isspace():
            parts.append(r"\s+")
        elif piece:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)


def matches(expected: str, output: str) -> bool:
    """Whether the whole output is what the guide shows."""
    return output_pattern(expected).fullmatch(output.strip()) is not None


@dataclass
class Shell:
    """Runs blocks one after another in ``cwd``, carrying the variables they set."""

    cwd: Path
    env: dict[str, str]
    timeout: float = 120.0
    seconds: dict[str, float] = field(default_factory=dict)  # how long each block took

    def run(self, block: Block) -> str:
        """Run a block with bash (-euo pipefail, every assignment exported); returns stdout."""
        env_file = self.cwd / ".guide-env"
        code = block.code.replace(POLL, FAST_POLL)
        script = f"set -a -euo pipefail\n{code}\nenv -0 > {str(env_file)!r}\n"
        start = time.monotonic()
        try:
            result = subprocess.run(
                ["bash", "-c", script],
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"{block.where} did not finish within {self.timeout:.0f} s:\n{block.code}\n"
                f"stdout: {exc.stdout}\nstderr: {exc.stderr}"
            ) from None
        self.seconds[block.where] = time.monotonic() - start
        assert result.returncode == 0, (
            f"{block.where} exited {result.returncode}:\n{block.code}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        if block.expected is not None:
            assert matches(block.expected, result.stdout), (
                f"{block.where}: the output is not what the guide shows.\n"
                f"guide:\n{block.expected}\nactual:\n{result.stdout}"
            )
        carried = env_file.read_bytes().decode().split("\0")
        env_file.unlink()
        self.env = {
            name: value
            for name, _, value in (item.partition("=") for item in carried if "=" in item)
            if name not in SHELL_OWN
        }
        return result.stdout


def base_env(home: Path, path: list[Path]) -> dict[str, str]:
    """A clean environment: our PATH, a private HOME (no ~/.curlrc), no ler-node settings."""
    env = {
        "PATH": os.pathsep.join([*map(str, path), os.environ["PATH"]]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "COLUMNS": "120",
    }
    for name in ("TMPDIR", "LER_ANVIL"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env
