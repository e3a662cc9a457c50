"""`summarizer eval`: parse, call `summarizer.evaluation`, print tables, write the JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli._common import EXIT_CODES, fail, handle_errors

if TYPE_CHECKING:
    from summarizer.evaluation import ArticleResult, Comparison, Counts, EvalReport, GuardReport
    from summarizer.evaluation.checklist import ChecklistRun, ChecklistScores
    from summarizer.evaluation.grouping import GroupingReport
    from summarizer.evaluation.quotes import QuoteReport
    from summarizer.evaluation.runs import Overall
    from summarizer.evaluation.scoring import Agreement, Ratio

DEFAULT_CASSETTES = "cassettes/eval"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pr(counts: Counts) -> str:
    return f"{_num(counts.precision)}/{_num(counts.recall)}"


# Article ids longer than this widen the first column (the Wikinews ids are up to 41).
ID_WIDTH = 30

HEADER = (
    f"{'article':30} {'src':4} {'parties P/R':>11} {'facts P/R':>11} {'posit. P/R':>11} "
    f"{'quest. P/R':>11} {'ground':>6} {'attrib':>6} {'status':>6} {'art.attr a/d/u':>14} "
    f"{'conf.hedged':>11} {'tokens':>7} {'cost $':>8} {'calls':>5} {'time s':>7}"
)


def _header(width: int = ID_WIDTH) -> str:
    return f"{'article':{width}}" + HEADER[ID_WIDTH:]


def _src(real: bool | None) -> str:
    return "-" if real is None else ("real" if real else "auth")


def _metrics(counts: dict[str, Counts], ratios: dict[str, Ratio], agreement: Agreement) -> str:
    """The quality columns of one row: P/R per section, ratios, what the article says."""
    from summarizer.evaluation.scoring import Ratio

    hedged = ratios.get("confirmed_hedged", Ratio())
    a = agreement
    return (
        f"{_pr(counts['parties']):>11} {_pr(counts['key_facts']):>11} "
        f"{_pr(counts['positions']):>11} {_pr(counts['open_questions']):>11} "
        f"{_num(ratios['grounding'].value):>6} {_num(ratios['attribution'].value):>6} "
        f"{_num(ratios['status'].value):>6} {f'{a.agree}/{a.disagree}/{a.unknown}':>14} "
        f"{f'{hedged.hits}/{hedged.total}':>11}"
    )


def _spend(tokens: float, cost: float | None, calls: float, wall_s: float, mean: bool) -> str:
    calls_s = f"{calls:>5.1f}" if mean else f"{calls:>5.0f}"
    return f"{tokens:>7.0f} {_num(cost, 4):>8} {calls_s} {wall_s:>7.2f}"


def _row(name: str, r: ArticleResult, width: int = ID_WIDTH) -> str:
    if r.scores is None:
        return f"{name[:width]:{width}} {_src(r.real):4} failed: {r.error}"
    s = r.scores
    ratios = {"grounding": s.grounding, "attribution": s.attribution, "status": s.status}
    ratios["confirmed_hedged"] = s.confirmed_hedged
    counts = {k: getattr(s, k) for k in ("parties", "key_facts", "positions", "open_questions")}
    spend = _spend(r.prompt_tokens + r.completion_tokens, r.cost_usd, r.calls, r.wall_s, False)
    return (
        f"{name[:width]:{width}} {_src(r.real):4} "
        f"{_metrics(counts, ratios, s.article_attribution)} {spend}"
    )


def _overall_row(label: str, o: Overall, width: int) -> str:
    spend = _spend(o.prompt_tokens + o.completion_tokens, o.cost_usd, o.calls, o.wall_s, False)
    return (
        f"{f'{label} ({o.articles - o.failed}/{o.articles} briefed)':{width + 5}} "
        f"{_metrics(o.counts, o.ratios, o.article_attribution)} {spend}"
    )


def _model_label(report: EvalReport) -> str:
    # Scores replayed from authored cassettes are not the named model's: say whose they are.
    if report.replayed and report.replies in ("authored", "mixed"):
        return f"{report.replies}-replies(requests-for-{report.model or '-'})"
    return report.model or "-"


def report_table(report: EvalReport) -> str:
    """The per-article table, the overall (micro-averaged) line and one per group.

    The groups are the real articles and the ones written for this project (`src` real /
    auth), each micro-averaged on its own.
    """
    o = report.overall
    width = max([ID_WIDTH, *(len(r.id) for r in report.articles)])
    header = _header(width)
    lines = [
        f"engine={report.engine} model={_model_label(report)} prompt={report.prompt_version} "
        f"schema=v{report.schema_version}{' (replayed)' if report.replayed else ''} "
        f"dataset={report.dataset}",
        header,
        *(_row(r.id, r, width) for r in report.articles),
        "-" * len(header),
        _overall_row("overall", o, width),
        *(_overall_row(f"  {name}", g, width) for name, g in report.groups.items()),
    ]
    n = max(o.articles, 1)
    mean_cost = None if o.cost_usd is None else o.cost_usd / n
    blank = " " * (len(_metrics(o.counts, o.ratios, o.article_attribution)))
    spend = _spend(
        (o.prompt_tokens + o.completion_tokens) / n, mean_cost, o.calls / n, o.wall_s / n, True
    )
    lines.append(f"{'mean per article':{width + 5}} {blank} {spend}")
    lines += [f"skipped: {s}" for s in report.skipped]
    return "\n".join(lines) + "\n"


def _of(found: int, total: int) -> str:
    return f"{found}/{total}"


def checklist_table(run: ChecklistRun) -> str:
    """Per article and in total: what the briefs got right against the check-lists.

    Recall of check-list parties and positions (higher is better), check-list quotes given to
    a wrong party and reported or disputed facts called confirmed (lower is better), articles
    with an open question holding a check-list keyword.
    """
    width = max([ID_WIDTH, *(len(r.id) for r in run.articles)])
    header = (
        f"{'article':{width}} {'parties':>9} {'positions':>9} {'misattributed':>13} "
        f"{'confirmed-but-reported':>22} {'open q.':>7}"
    )

    def row(name: str, s: ChecklistScores) -> str:
        return (
            f"{name[:width]:{width}} {_of(s.parties_found, s.parties):>9} "
            f"{_of(s.positions_found, s.positions):>9} "
            f"{_of(s.misattributed, s.quotes_attributed):>13} "
            f"{_of(s.called_confirmed, s.status_checked):>22} "
            f"{_of(s.open_hit, s.open_articles):>7}"
        )

    lines = [
        f"engine={run.engine} model={run.model or '-'} prompt={run.prompt_version} "
        f"check-lists={run.dataset}",
        header,
    ]
    for r in run.articles:
        lines.append(
            row(r.id, r.scores) if r.scores else f"{r.id[:width]:{width}} failed: {r.error}"
        )
    t = run.total
    lines += [
        "-" * len(header),
        row(f"total ({len(run.articles) - run.failed}/{len(run.articles)} briefed)", t),
        f"party recall {_num(t.party_recall)}, position recall {_num(t.position_recall)}, "
        f"misattributed {_num(t.misattribution)}, confirmed but reported or disputed "
        f"{_num(t.called_confirmed / t.status_checked if t.status_checked else None)}, "
        f"open questions {_num(t.open_hit / t.open_articles if t.open_articles else None)}",
    ]
    return "\n".join(lines) + "\n"


def compare_table(comparison: Comparison, *, all_rows: bool) -> str:
    """Overall metrics side by side; per-article rows only where they differ (unless all)."""
    lines = [f"A: {comparison.a}", f"B: {comparison.b}", ""]
    lines.append(f"{'article':30} {'metric':26} {'A':>8} {'B':>8} {'B-A':>8}")
    for row in comparison.rows:
        delta = row.delta
        overall = row.article == "overall" or row.article.startswith("overall:")
        if not overall and not all_rows and (delta is None or abs(delta) < 1e-9):
            continue
        sign = "" if delta is None else ("+" if delta > 0 else "")
        lines.append(
            f"{row.article[:30]:30} {row.metric:26} {_num(row.a, 3):>8} {_num(row.b, 3):>8} "
            f"{sign + _num(delta, 3):>8}"
        )
    lines += [f"note: {n}" for n in comparison.notes]
    return "\n".join(lines) + "\n"


def guard_table(report: GuardReport) -> str:
    """Caught / total per perturbation kind (and on the real articles), genuine items rejected."""
    from summarizer.evaluation import UNCATCHABLE
    from summarizer.evaluation.guard_suite import ATTRIBUTION_KINDS

    lines = [f"{'perturbation':24} {'caught':>7} {'total':>6} {'rate':>6} {'real':>9}  what"]
    for k in report.kinds:
        flag = " (not checkable by the guard)" if k.kind in UNCATCHABLE else ""
        real = f"{k.real_caught}/{k.real_total}"
        lines.append(
            f"{k.kind:24} {k.caught:>7} {k.total:>6} {_num(k.rate):>6} {real:>9}  "
            f"{k.description}{flag}"
        )
    caught, total = report.catchable()
    lines.append("")
    lines.append(
        f"checkable kinds: {caught}/{total} caught ({_num(caught / total if total else None, 3)}); "
        f"all kinds: {report.caught}/{report.total}"
    )
    who, n = report.attribution()
    real_who, real_n = report.attribution(real=True)
    lines.append(
        f"who said what ({', '.join(ATTRIBUTION_KINDS)}): {who}/{n} caught "
        f"({_num(who / n if n else None, 3)}); real articles {real_who}/{real_n} "
        f"({_num(real_who / real_n if real_n else None, 3)})"
    )
    share = report.genuine_rejected / report.genuine_items if report.genuine_items else None
    lines.append(
        f"genuine gold items wrongly rejected: {report.genuine_rejected}/{report.genuine_items} "
        f"({_num(share, 3)}); perturbations left out because the 'fake' is in the article: "
        f"{report.excluded}"
    )
    lines += [f"rejected: {e}" for e in report.rejected_examples]
    return "\n".join(lines) + "\n"


def quotes_table(report: QuoteReport) -> str:
    """Per file and per group: faithful rejected, debatable rejected, unfaithful accepted."""
    lines = [
        f"{'file / group':44} {'faithful rej.':>14} {'debatable rej.':>14} {'unfaith. acc.':>13}"
    ]
    for name, tally in report.by_file.items():
        groups = report.by_group.get(name, {})
        for label, t in [(name, tally), *((f"  {g}", groups[g]) for g in sorted(groups))]:
            lines.append(
                f"{label[:44]:44} {t.faithful_rejected:>6}/{t.faithful:<7} "
                f"{t.debatable_rejected:>6}/{t.debatable:<7} "
                f"{t.unfaithful_accepted:>5}/{t.unfaithful:<7}"
            )
        rate, with_debatable = tally.faithful_rejected_rate, tally.with_debatable_rejected_rate
        lines.append(
            f"  {name}: faithful rejected {_num(rate, 3)}, with debatable {_num(with_debatable, 3)}"
        )
    real = report.real()
    lines.append(
        f"all real model quotes: faithful rejected {real.faithful_rejected}/{real.faithful} "
        f"({_num(real.faithful_rejected_rate, 3)}), with debatable "
        f"{real.faithful_rejected + real.debatable_rejected}/{real.faithful + real.debatable} "
        f"({_num(real.with_debatable_rejected_rate, 3)})"
    )
    lines += [
        f"goal {'met' if ok else 'NOT met'}: {goal}" for goal, ok in report.goals_met().items()
    ]
    lines += [
        f"wrong: {m.id} [{m.label}, {m.problem or 'accepted'}] {m.quote[:90]!r}"
        for m in report.mistakes
    ]
    return "\n".join(lines) + "\n"


def grouping_table(report: GroupingReport, examples: int = 10) -> str:
    """Per split: articles, events, stories, pair counts, precision/recall/F1 (and again with
    the dates removed, "undated"), goals, and the first wrongly joined and missed pairs."""
    lines = [
        f"grouping={report.grouping} engine={report.engine} set={report.dataset}",
        f"{'split':16} {'articles':>8} {'events':>6} {'multi':>5} {'stories':>7} "
        f"{'pairs tp/pred/gold (ignored)':>28} {'P':>5} {'R':>5} {'F1':>5}",
    ]
    for label, results in [("", report.splits), (" undated", report.undated)]:
        for s in results:
            c = s.counts
            pairs = f"{c.true_positive}/{c.predicted}/{c.gold} ({c.ignored})"
            lines.append(
                f"{s.split + label:16} {s.articles:>8} {s.events:>6} {s.multi_article_events:>5} "
                f"{s.stories:>7} {pairs:>28} {_num(s.precision):>5} {_num(s.recall):>5} "
                f"{_num(s.f1):>5}"
            )
    for s in report.splits:
        met = [
            f"{k} {'met' if (v := getattr(s, k)) is not None and v >= goal else 'NOT met'}"
            for k, goal in report.goals.items()
        ]
        lines.append(f"{s.split}: goals ({', '.join(met)})")
        lines += [
            f"  wrongly joined: {w.title_a[:60]!r} + {w.title_b[:60]!r}"
            for w in s.wrong_pairs[:examples]
        ]
        if len(s.wrong_pairs) > examples:
            lines.append(f"  ... {len(s.wrong_pairs) - examples} more wrongly joined pairs")
        lines += [f"  missed: {a} + {b}" for a, b in s.missed_pairs[:examples]]
    lines += [f"failed: {f}" for f in report.failed]
    return "\n".join(lines) + "\n"


@click.command(epilog=EXIT_CODES)
@click.argument("dataset", required=False, type=click.Path(path_type=Path))
@click.option(
    "--engine",
    type=click.Choice(["offline", "llm"]),
    help="The engine to measure (default offline; llm with --replay).",
)
@click.option("--model", help="Model name for --engine llm (else SUMMARIZER_MODEL, config).")
@click.option("--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL).")
@click.option(
    "--replay",
    is_flag=True,
    help="Run the LLM engine through the real openai client, but answer every call from the "
    "cassette <cassettes>/<article id>.yaml (vcrpy) instead of the network; needs no key.",
)
@click.option(
    "--cassettes",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CASSETTES,
    show_default=True,
    help="Folder of per-article cassettes for --replay.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report here (atomically). Default: eval-<engine>.json, "
    "eval-checklist-<engine>.json for check-lists, or eval-guard.json with --guard; '-' "
    "writes none.",
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="A.json B.json",
    help="Show how run B differs from run A (two reports written by this command).",
)
@click.option("--all", "all_rows", is_flag=True, help="With --compare: every row, even equal.")
@click.option(
    "--guard",
    is_flag=True,
    help="Measure the grounding guard: perturb every gold brief and count what it rejects.",
)
@click.option(
    "--quotes",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Measure the quote guard on a quote corpus folder (e.g. eval/quotes): faithful quotes "
    "rejected, unfaithful accepted, by file and group.",
)
@click.option(
    "--grouping",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Measure story grouping on a labelled set (e.g. eval/grouping): brief every article "
    "offline, group with the digest's grouping, pairwise precision/recall/F1 per split.",
)
@click.option(
    "--split",
    "splits",
    type=click.Choice(["dev", "heldout", "fresh", "all"]),
    multiple=True,
    help="With --grouping: which split(s) to score (default dev and heldout).",
)
@click.option(
    "--prompts",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --engine llm: a folder of your own prompt templates (NAME.system.j2 and/or "
    "NAME.user.j2) to measure instead of the built-in prompt.",
)
@click.option(
    "--prompt-version",
    help="Which prompt: a NAME in --prompts (needed when it holds several), or a built-in one.",
)
@handle_errors
def eval_command(
    dataset: Path | None,
    engine: str | None,
    model: str | None,
    base_url: str | None,
    replay: bool,
    cassettes: Path,
    out: Path | None,
    compare: tuple[Path, Path] | None,
    all_rows: bool,
    guard: bool,
    quotes: Path | None,
    grouping: Path | None,
    splits: tuple[str, ...],
    prompts: Path | None,
    prompt_version: str | None,
) -> None:
    """Measure brief quality against gold briefs: DATASET is a folder such as eval/gold.

    Prints a table per article, overall, and for the real and the authored articles apart
    (precision/recall of parties, facts, positions and open questions; grounding; attribution;
    status; what the article itself attributes and hedges; tokens, cost, calls, time) and
    writes the JSON report. A folder of check-lists (a top-level gold.json keyed by article
    file, e.g. ../shared/external/wikinews) is briefed and scored against its check-lists
    instead. See eval/README.md for the format and every metric.
    """
    from summarizer import evaluation
    from summarizer.brief.prompts import choose_prompt, use_prompt
    from summarizer.files import write_atomic

    # Checked before any article is briefed; the offline engine uses no prompt.
    measured_llm = replay or engine == "llm"
    prompt = choose_prompt(prompts, prompt_version) if measured_llm else None
    if (prompts or prompt_version) and not measured_llm:
        raise click.UsageError("--prompts and --prompt-version need --engine llm (or --replay)")

    if compare:
        a, b = (evaluation.load_report(p) for p in compare)
        click.echo(compare_table(evaluation.compare(a, b), all_rows=all_rows), nl=False)
        return
    if grouping is not None:
        from summarizer.evaluation.grouping import run_grouping_eval

        chosen_splits = splits or ("dev", "heldout")
        grouping_report = run_grouping_eval(grouping, chosen_splits)  # type: ignore[arg-type]
        click.echo(grouping_table(grouping_report), nl=False)
        target = out or Path("eval-grouping.json")
        if str(target) != "-":
            write_atomic(target, grouping_report.model_dump_json(indent=2) + "\n")
            click.echo(f"summarizer: wrote {target}", err=True)
        return
    if quotes is not None:
        from summarizer.evaluation.quotes import quote_corpus

        quote_report = quote_corpus(quotes)
        click.echo(quotes_table(quote_report), nl=False)
        target = out or Path("eval-quotes.json")
        if str(target) != "-":
            write_atomic(target, quote_report.model_dump_json(indent=2) + "\n")
            click.echo(f"summarizer: wrote {target}", err=True)
        return
    if dataset is None:
        raise click.UsageError("give a DATASET folder (e.g. eval/gold), or --compare A B")
    if replay and engine == "offline":
        raise click.UsageError("--replay replays LLM calls: use it with --engine llm")
    from summarizer.evaluation.checklist import is_checklist_folder

    checklists = is_checklist_folder(dataset)
    if checklists and (guard or replay):
        flag = "--guard" if guard else "--replay"
        raise click.UsageError(f"{flag} needs a gold set; {dataset} is a check-list folder")
    if guard:
        result = evaluation.perturbation_suite(dataset)
        click.echo(guard_table(result), nl=False)
        text = result.model_dump_json(indent=2) + "\n"
        default_out = "eval-guard.json"
        failed, total, first_error = 0, result.articles, None
    elif checklists:
        from summarizer.evaluation.checklist import ChecklistResult, run_checklist_eval

        chosen = engine or "offline"
        api_key = None
        if chosen == "llm":
            from summarizer.config import load_settings

            settings = load_settings({"model": model, "base_url": base_url})
            model, base_url, api_key = settings.model, settings.base_url, settings.api_key

        def checklist_progress(r: ChecklistResult) -> None:
            state = "failed" if r.error else "done"
            click.echo(f"summarizer: {r.id} {state} in {r.wall_s:.1f}s", err=True)

        with use_prompt(prompt):
            run = run_checklist_eval(
                dataset,
                engine="llm" if chosen == "llm" else "offline",
                model=model,
                base_url=base_url,
                api_key=api_key,
                on_article=checklist_progress if chosen == "llm" else None,
            )
        click.echo(checklist_table(run), nl=False)
        text = run.model_dump_json(indent=2) + "\n"
        default_out = f"eval-checklist-{chosen}.json"
        failed, total = run.failed, len(run.articles)
        first_error = next((r.error for r in run.articles if r.error), None)
    else:
        chosen = "llm" if replay else (engine or "offline")
        api_key = None
        if chosen == "llm" and not replay:
            from summarizer.config import load_settings

            settings = load_settings({"model": model, "base_url": base_url})
            model, base_url, api_key = settings.model, settings.base_url, settings.api_key

        def progress(r: ArticleResult) -> None:
            # A real LLM run takes minutes: say where it is, on stderr, one line per article.
            state = "failed" if r.error else "done"
            click.echo(f"summarizer: {r.id} {state} in {r.wall_s:.1f}s", err=True)

        with use_prompt(prompt):
            report = evaluation.run_eval(
                dataset,
                engine="llm" if chosen == "llm" else "offline",
                model=model,
                base_url=base_url,
                api_key=api_key,
                cassettes=cassettes if replay else None,
                on_article=progress if chosen == "llm" and not replay else None,
            )
        click.echo(report_table(report), nl=False)
        text = report.to_json()
        default_out = f"eval-{chosen}.json"
        failed, total = report.overall.failed, report.overall.articles
        first_error = next((r.error for r in report.articles if r.error), None)
    target = out or Path(default_out)
    if str(target) != "-":
        write_atomic(target, text)
        click.echo(f"summarizer: wrote {target}", err=True)
    if failed:
        what = f"{failed} of {total} article(s) got no brief"
        if failed == total:
            # Nothing was measured: a wrong URL, model or key, not a result.
            fail(f"{what}; first error: {first_error}", 5)
        click.echo(f"summarizer: warning: {what} (see the table)", err=True)
