"""Gold sets on disk: one folder per article with gold.json and source.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from summarizer.brief.models import BriefReply
from summarizer.errors import InputError

# How an article written for this project says so in its source note's `origin`.
AUTHORED_ORIGIN = "written for this project"


class SourceNote(BaseModel):
    """Where an article of the set comes from and whether it may be redistributed."""

    kind: str = Field(description="conflict, diplomacy, election, business, science, ...")
    language: str
    licence: str
    origin: str = Field(description="Who wrote it; 'written for this project' or the outlet.")
    article_path: str | None = Field(
        default=None, description="Text kept outside the set, relative to the article's folder."
    )
    real: bool = Field(
        default=True,
        description="A real article written by others (a news outlet, Wikinews); false for one "
        "written for this project. When absent: false when `origin` says 'written for this "
        "project', else true.",
    )

    @model_validator(mode="before")
    @classmethod
    def _real_from_origin(cls, data: Any) -> Any:
        if isinstance(data, dict) and "real" not in data:
            origin = str(data.get("origin", ""))
            return {**data, "real": AUTHORED_ORIGIN not in origin.lower()}
        return data


@dataclass
class GoldArticle:
    """One article of the set: its text, its gold brief and its source note."""

    id: str
    text: str
    gold: BriefReply
    source: SourceNote


@dataclass
class Dataset:
    """The articles of a gold set, and the ones skipped because their text is not here."""

    path: Path
    articles: list[GoldArticle]
    skipped: list[str] = field(default_factory=list)


def load_dataset(path: str | Path) -> Dataset:
    """Load a gold set folder (see the module docstring); raise `InputError` when malformed.

    An article whose text lives outside the set (`article_path`) and is missing is skipped and
    listed in `Dataset.skipped`; a missing or invalid file inside the set is an error.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: not a dataset folder (expected <id>/gold.json inside)")
    dirs = sorted(d for d in root.iterdir() if d.is_dir() and (d / "gold.json").exists())
    if not dirs:
        raise InputError(f"{root}: no article folders with a gold.json")
    articles: list[GoldArticle] = []
    skipped: list[str] = []
    for d in dirs:
        try:
            source = SourceNote.model_validate_json((d / "source.json").read_text("utf-8"))
            gold = BriefReply.model_validate_json((d / "gold.json").read_text("utf-8"))
        except FileNotFoundError as exc:
            raise InputError(f"{d}: missing {Path(exc.filename or '').name}") from None
        except (ValidationError, ValueError) as exc:
            first = str(exc).splitlines()
            raise InputError(f"{d}: invalid gold or source file: {' '.join(first[:3])}") from None
        text_path = (d / source.article_path) if source.article_path else d / "article.txt"
        if not text_path.exists():
            if source.article_path:
                skipped.append(f"{d.name}: {text_path} not found (kept outside the set)")
                continue
            raise InputError(f"{d}: missing article.txt")
        text = text_path.read_text(encoding="utf-8")
        articles.append(GoldArticle(d.name, text, gold, source))
    if not articles:
        raise InputError(f"{root}: no article of the set could be read: {'; '.join(skipped)}")
    return Dataset(root, articles, skipped)
