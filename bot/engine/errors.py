"""Problems found while loading the library, reported as `file:line: record-id: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    record: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.record or '-'}: {self.message}"


class DataError(Exception):
    """The library is broken: the bot refuses to start and says where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n{head}{more}")
