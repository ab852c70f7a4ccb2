"""NLU evaluation on sentences the model never saw.

Trains a model on ``data/``, scores the held-out file (never trained on), runs a
stratified k-fold cross-validation over the training data, and does the same with
Rasa's stock default pipeline so the two can be compared on equal data. FAQ messages
are scored at sub-intent level (``faq/shipping_fee``), using the ResponseSelector.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import statistics
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ENTITY_TYPES = ("order_id", "email", "phone")
SEED = 20261123
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Example:
    """One labelled sentence: ``label`` is the full intent (``faq/receipt``)."""

    text: str
    label: str
    entities: tuple[tuple[int, int, str], ...] = ()


@dataclass
class Prediction:
    label: str
    confidence: float
    raw_label: str
    entities: tuple[tuple[int, int, str], ...]


@dataclass
class Scores:
    """Classification and entity scores of one model on one set of examples."""

    n: int
    macro_f1: float
    accuracy: float
    per_label_f1: dict[str, float]
    confusions: list[tuple[str, str, int]]
    entity_f1: dict[str, float]
    fallback_rate: float
    latency_ms: dict[str, float]
    raw_macro_f1: float = 0.0
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    # held-out sentences that are also in the training data (short common phrases both
    # writers wrote), and the macro-F1 on the others
    in_training: int = 0
    unseen_macro_f1: float | None = None

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "per_label_f1": {k: round(v, 4) for k, v in self.per_label_f1.items()},
            "confusions": [list(c) for c in self.confusions],
            "entity_f1": {k: round(v, 4) for k, v in self.entity_f1.items()},
            "fallback_rate": round(self.fallback_rate, 4),
            "raw_macro_f1": round(self.raw_macro_f1, 4),
            "in_training": self.in_training,
            "unseen_macro_f1": None
            if self.unseen_macro_f1 is None
            else round(self.unseen_macro_f1, 4),
            "latency_ms": {k: round(v, 2) for k, v in self.latency_ms.items()},
            "errors": [{"text": t, "gold": g, "predicted": p} for t, g, p in self.errors],
        }


def quiet_rasa() -> None:
    """Keep TensorFlow's and Rasa's chatter out of the evaluation report."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level otherwise
    for name in ("rasa", "tensorflow", "absl", "py.warnings", "sanic"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _nlu_data(path: str | Path):
    """The NLU part of a Rasa data file or directory (rules and stories are skipped)."""
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    files = sorted(get_data_files([str(path)], is_nlu_file))
    if not files:
        raise FileNotFoundError(f"no NLU data in {path}")
    return TrainingData().merge(*(load_data(f) for f in files))


def load_examples(path: str | Path) -> list[Example]:
    """Labelled examples from a Rasa NLU YAML file or a directory of them."""
    examples = []
    for message in _nlu_data(path).intent_examples:
        entities = tuple(
            sorted((e["start"], e["end"], e["entity"]) for e in message.get("entities") or [])
        )
        examples.append(Example(message.get("text"), message.get_full_intent(), entities))
    return examples


def load_regexes(path: str | Path) -> list[dict]:
    """The regex patterns a data directory defines (they go into every fold's data)."""
    return list(_nlu_data(path).regex_features)


def write_nlu_file(examples: Sequence[Example], regexes: list[dict], path: Path) -> Path:
    """Write examples (with entity markup) and regexes as one Rasa NLU YAML file."""
    by_label: dict[str, list[str]] = {}
    for ex in examples:
        by_label.setdefault(ex.label, []).append(_annotate(ex))
    nlu: list[dict] = [
        {"intent": label, "examples": "".join(f"- {t}\n" for t in texts)}
        for label, texts in by_label.items()
    ]
    by_regex: dict[str, list[str]] = {}
    for regex in regexes:
        by_regex.setdefault(regex["name"], []).append(regex["pattern"])
    nlu += [
        {"regex": name, "examples": "".join(f"- {p}\n" for p in patterns)}
        for name, patterns in by_regex.items()
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def _annotate(ex: Example) -> str:
    text = ex.text
    for start, end, entity in sorted(ex.entities, reverse=True):
        text = f"{text[:start]}[{text[start:end]}]({entity}){text[end:]}"
    return text


def sentence_key(text: str) -> str:
    """Two sentences that differ only in width, case, spaces or punctuation are one."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s、。！？!?.,…ー〜~]+", "", folded)


def with_unseen_share(
    scores: Scores,
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    seen: set[str],
) -> Scores:
    """Add how many held-out sentences the training data has, and the F1 without them."""
    keep = [i for i, ex in enumerate(examples) if sentence_key(ex.text) not in seen]
    scores.in_training = len(examples) - len(keep)
    unseen = scores_of([examples[i] for i in keep], [predictions[i] for i in keep], [])
    scores.unseen_macro_f1 = unseen.macro_f1
    return scores


def train(config: str | Path, nlu: str | Path, domain: str | Path, out_dir: Path) -> str:
    """Train an NLU-only model and return the path of the model file."""
    from rasa.model_training import train_nlu

    with _quiet_output():
        model = train_nlu(
            config=str(config),
            nlu_data=str(nlu),
            output=str(out_dir),
            domain=str(domain),
            fixed_model_name="nlu",
        )
    if not model:
        raise RuntimeError(f"training with {config} produced no model")
    return model


@contextlib.contextmanager
def _quiet_output() -> Iterator[None]:
    """Silence Rasa's per-epoch progress bars (our own progress lines stay)."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        yield


class Parser:
    """A trained model loaded once, parsing one message at a time."""

    def __init__(self, model_path: str) -> None:
        from rasa.core.agent import Agent

        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(model_path)

    def parse(self, text: str) -> dict:
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def predict(self, text: str) -> Prediction:
        return prediction_of(self.parse(text))

    def close(self) -> None:
        self._loop.close()


def prediction_of(result: dict) -> Prediction:
    """The scored label of a parse result: FAQ answers count at sub-intent level."""
    intent = result.get("intent") or {}
    label = _full_label(intent.get("name") or "", result)
    # what the classifier said before the FallbackClassifier stepped in
    ranking = [r["name"] for r in result.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
    raw_label = _full_label(ranking[0], result) if ranking else label
    entities = result.get("entities") or []
    spans = tuple(sorted((e["start"], e["end"], e["entity"]) for e in entities))
    return Prediction(label, float(intent.get("confidence") or 0.0), raw_label, spans)


def _full_label(intent: str, result: dict) -> str:
    if intent != "faq":
        return intent
    selectors = result.get("response_selector") or {}
    selector = selectors.get("faq") or selectors.get("default") or {}
    return (selector.get("response") or {}).get("intent_response_key") or "faq"


def predict_all(examples: Sequence[Example], parser: Parser) -> tuple[list, list[float]]:
    """Parse every example once (after a warm-up): predictions and latencies in ms."""
    parser.predict("こんにちは")  # the first parse builds graph caches; keep it out of timing
    predictions, latencies = [], []
    for ex in examples:
        started = time.perf_counter()
        predictions.append(parser.predict(ex.text))
        latencies.append((time.perf_counter() - started) * 1000)
    return predictions, latencies


def score(examples: Sequence[Example], parser: Parser) -> Scores:
    """Labels, entities and latency of one model on one set of examples."""
    return scores_of(examples, *predict_all(examples, parser))


def scores_of(
    examples: Sequence[Example], predictions: Sequence[Prediction], latencies: list[float]
) -> Scores:
    from sklearn.metrics import f1_score

    gold = [ex.label for ex in examples]
    predicted = [p.label for p in predictions]
    labels = sorted(set(gold))

    def f1(guesses: list[str]):
        return f1_score(gold, guesses, labels=labels, average=None, zero_division=0)

    per_label = f1(predicted)
    pairs = list(zip(gold, predicted, strict=True))
    confusions = Counter((g, p) for g, p in pairs if g != p)
    return Scores(
        n=len(examples),
        macro_f1=float(per_label.mean()) if labels else 0.0,
        accuracy=sum(g == p for g, p in pairs) / max(len(pairs), 1),
        per_label_f1=dict(zip(labels, map(float, per_label), strict=True)),
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(10)],
        entity_f1=entity_f1(examples, predictions),
        fallback_rate=predicted.count("nlu_fallback") / max(len(predicted), 1),
        latency_ms=_percentiles(latencies),
        raw_macro_f1=float(f1([p.raw_label for p in predictions]).mean()) if labels else 0.0,
        errors=[(ex.text, g, p) for ex, (g, p) in zip(examples, pairs, strict=True) if g != p],
    )


def entity_f1(examples: Sequence[Example], predictions: Sequence[Prediction]) -> dict[str, float]:
    """F1 per entity type; a hit needs the exact span and type."""
    result = {}
    for kind in ENTITY_TYPES:
        tp = fp = fn = 0
        for ex, pred in zip(examples, predictions, strict=True):
            gold = {e for e in ex.entities if e[2] == kind}
            found = {e for e in pred.entities if e[2] == kind}
            tp += len(gold & found)
            fp += len(found - gold)
            fn += len(gold - found)
        if tp + fp + fn:
            result[kind] = 2 * tp / (2 * tp + fp + fn)
    return result


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": statistics.median(ordered), "p95": pick(0.95), "max": ordered[-1]}


def stock_config(out_dir: Path) -> Path:
    """Rasa's own default config (what `rasa init` users get), with fixed seeds."""
    import rasa.engine.recipes.default_recipe as recipe_module

    source = Path(recipe_module.__file__).parent / "config_files" / "default_config.yml"
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] in ("DIETClassifier", "ResponseSelector"):
            component["random_seed"] = SEED
    path = out_dir / "stock_config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def cross_validate(
    examples: Sequence[Example],
    regexes: list[dict],
    config: Path,
    domain: Path,
    folds: int,
    work: Path,
    progress: Progress,
) -> Scores:
    """Stratified k-fold CV: every example is scored once by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    labels = [ex.label for ex in examples]
    pooled: list[Example] = []
    predictions: list[Prediction] = []
    latencies: list[float] = []
    for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, labels), start=1):
        fold_dir = work / f"fold{fold}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        nlu = write_nlu_file([examples[i] for i in train_idx], regexes, fold_dir / "nlu.yml")
        started = time.perf_counter()
        model = train(config, nlu, domain, fold_dir)
        progress(f"  fold {fold}/{folds}: trained in {time.perf_counter() - started:.0f} s")
        parser = Parser(model)
        test = [examples[i] for i in test_idx]
        fold_predictions, fold_latencies = predict_all(test, parser)
        parser.close()
        pooled += test
        predictions += fold_predictions
        latencies += fold_latencies
    return scores_of(pooled, predictions, latencies)


# Held-out files written by someone who never read the training data: only their aggregate
# scores may be looked at (no per-sentence errors, no confusions), or they stop being unseen.
BLIND_HELDOUT = ("heldout_tidy.yml", "heldout_chat.yml")


def set_name(path: str | Path) -> str:
    """A held-out file's short name in the report: heldout_chat.yml -> chat."""
    stem = Path(path).stem
    return {"nlu_heldout": "old"}.get(stem, stem.removeprefix("heldout_"))


def is_blind(path: str | Path) -> bool:
    return Path(path).name in BLIND_HELDOUT


@dataclass
class Report:
    """Everything `bot eval nlu` measured: held-out scores per file, then per pipeline."""

    train_seconds: dict[str, float] = field(default_factory=dict)
    heldout: dict[str, dict[str, Scores]] = field(default_factory=dict)
    cv: dict[str, Scores] = field(default_factory=dict)
    parse_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    blind: set[str] = field(default_factory=set)
    # figures measured once elsewhere (the ginza peer): {pipeline: as_dict() + "measured"}
    recorded: dict[str, dict] = field(default_factory=dict)

    @property
    def pipelines(self) -> list[str]:
        return list(self.train_seconds) + [n for n in self.recorded if n not in self.train_seconds]

    def as_dict(self) -> dict:
        return {
            "train_seconds": {k: round(v, 1) for k, v in self.train_seconds.items()},
            "heldout": {
                name: {k: _public(v, name in self.blind) for k, v in by_pipeline.items()}
                for name, by_pipeline in self.heldout.items()
            },
            "cv": {k: v.as_dict() for k, v in self.cv.items()},
            "parse_ms": {
                k: {q: round(v, 2) for q, v in d.items()} for k, d in self.parse_ms.items()
            },
        }


def _public(scores: Scores, blind: bool) -> dict:
    figures = scores.as_dict()
    if blind:
        figures.pop("errors")
        figures.pop("confusions")
    return figures


def recorded_figures(report: Report, pipeline: str, command: str, date: str) -> dict:
    """One pipeline's figures of this run, to be shown by later runs that skip it."""
    figures = report.as_dict()
    heldout = {}
    for set_, by_pipeline in figures["heldout"].items():
        if pipeline in by_pipeline:
            scores = dict(by_pipeline[pipeline])
            scores.pop("errors", None)
            heldout[set_] = {pipeline: scores}
    return {
        "pipeline": pipeline,
        "measured": {"date": date, "command": command},
        "train_seconds": {pipeline: figures["train_seconds"][pipeline]},
        "parse_ms": {pipeline: figures["parse_ms"][pipeline]},
        "heldout": heldout,
    }


def load_recorded(path: Path) -> dict[str, dict]:
    """Figures of a pipeline measured once (``--json`` of its run plus a "measured" note)."""
    import json

    saved = json.loads(path.read_text(encoding="utf-8"))
    return {saved["pipeline"]: saved}


def evaluate(
    data: Path,
    heldout: Sequence[Path],
    config: Path,
    domain: Path,
    folds: int = 5,
    with_stock: bool = True,
    progress: Progress = print,
    stock_folds: int | None = None,
    peer_config: Path | None = None,
    peer_name: str = "ginza",
    with_ours: bool = True,
) -> Report:
    """Train on ``data``, score every ``heldout`` file and a k-fold CV, per pipeline.

    The pipelines are ours (``config``), Rasa's stock default and, with ``peer_config``,
    a peer (spaCy + ja_ginza: needs both installed). ``stock_folds`` (default:
    ``folds``) lets the slow stock pipeline skip its CV; the peer gets no CV.
    """
    quiet_rasa()
    report = Report(blind={set_name(p) for p in heldout if is_blind(p)})
    train_examples = load_examples(data)
    test_sets = {set_name(p): load_examples(p) for p in heldout}
    regexes = load_regexes(data)
    seen = {sentence_key(ex.text) for ex in train_examples}
    sizes = ", ".join(f"{name} {len(exs)}" for name, exs in test_sets.items())
    progress(
        f"{len(train_examples)} training examples, "
        f"{len({e.label for e in train_examples})} labels; held-out: {sizes}"
    )
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
        work = Path(tmp)
        pipelines = {"ours": (config, folds)} if with_ours else {}
        if with_stock:
            pipelines["stock"] = (stock_config(work), folds if stock_folds is None else stock_folds)
        if peer_config is not None:
            pipelines[peer_name] = (peer_config, 0)
        for name, (pipeline_config, pipeline_folds) in pipelines.items():
            progress(f"[{name}] training on all of {data} ...")
            out = work / name
            out.mkdir()
            nlu = write_nlu_file(train_examples, regexes, out / "nlu.yml")
            started = time.perf_counter()
            model = train(pipeline_config, nlu, domain, out)
            report.train_seconds[name] = time.perf_counter() - started
            progress(f"[{name}] trained in {report.train_seconds[name]:.0f} s; scoring held-out")
            parser = Parser(model)
            latencies: list[float] = []
            for set_, examples in test_sets.items():
                predictions, set_latencies = predict_all(examples, parser)
                latencies += set_latencies
                report.heldout.setdefault(set_, {})[name] = with_unseen_share(
                    scores_of(examples, predictions, set_latencies), examples, predictions, seen
                )
                progress(
                    f"[{name}] held-out {set_}: macro-F1 {report.heldout[set_][name].macro_f1:.3f}"
                )
            parser.close()
            report.parse_ms[name] = _percentiles(latencies)
            if pipeline_folds > 1:
                progress(f"[{name}] {pipeline_folds}-fold cross-validation ...")
                report.cv[name] = cross_validate(
                    train_examples,
                    regexes,
                    pipeline_config,
                    domain,
                    pipeline_folds,
                    out / "cv",
                    progress,
                )
                progress(f"[{name}] CV macro-F1 {report.cv[name].macro_f1:.3f}")
    return report


def _recorded_value(saved: dict, split: str, key: str, sub: str | None = None):
    if split == "cv":
        figures = saved.get("cv", {}).get(saved["pipeline"])
    else:
        figures = saved.get("heldout", {}).get(split, {}).get(saved["pipeline"])
    if not figures:
        return None
    value = figures.get(key)
    return value.get(sub) if sub is not None and isinstance(value, dict) else value


def format_report(report: Report) -> str:
    """The human-readable comparison printed by `bot eval nlu`, held-out sets side by side."""
    names = report.pipelines
    sets = list(report.heldout)
    lines: list[str] = []

    def row(title: str, values: list[str], width: int = 10) -> None:
        lines.append(f"{title:<40}" + "".join(f"{v:>{width}}" for v in values))

    def value(split: str, name: str, key: str, sub: str | None = None, fmt: str = ".3f") -> str:
        if name in report.recorded and name not in report.train_seconds:
            found = _recorded_value(report.recorded[name], split, key, sub)
        else:
            results = report.cv if split == "cv" else report.heldout.get(split, {})
            scores = results.get(name)
            found = None if scores is None else getattr(scores, key)
            if sub is not None and isinstance(found, dict):
                found = found.get(sub)
        return "-" if found is None else format(found, fmt)

    row(
        "",
        [
            n + ("*" if n in report.recorded and n not in report.train_seconds else "")
            for n in names
        ],
    )
    splits = [(s, f"held-out {s}") for s in sets] + ([("cv", "k-fold CV")] if report.cv else [])
    for split, title in splits:
        row(f"{title}: macro-F1", [value(split, n, "macro_f1") for n in names])
        row(f"{title}: accuracy", [value(split, n, "accuracy") for n in names])
        if split != "cv":
            row(
                f"{title}: also in training data",
                [value(split, n, "in_training", fmt="d") for n in names],
            )
            row(
                f"{title}: macro-F1 on the rest",
                [value(split, n, "unseen_macro_f1") for n in names],
            )
        row(f"{title}: fallback rate", [value(split, n, "fallback_rate") for n in names])
        for kind in ENTITY_TYPES:
            row(f"{title}: entity F1 {kind}", [value(split, n, "entity_f1", kind) for n in names])
    for q in ("p50", "p95"):
        row(
            f"held-out parse {q} (ms)",
            [_parse_ms(report, n, q) for n in names],
        )
    row("training time (s)", [_train_seconds(report, n) for n in names])
    for name in names:
        if name in report.recorded and name not in report.train_seconds:
            note = report.recorded[name].get("measured", {})
            lines.append(
                f"* {name}: recorded on {note.get('date', '?')} with `{note.get('command', '?')}`"
                + (f" ({note['note']})" if note.get("note") else "")
            )
    lines.append("")
    columns = [(n, s) for n in names for s in sets]
    lines.append("per-label F1 (held-out sets; " + ", ".join(sets) + ")")
    row("", [f"{n[:5]}:{s[:4]}" for n, s in columns], width=11)
    labels = sorted(
        {label for by in report.heldout.values() for sc in by.values() for label in sc.per_label_f1}
    )
    for label in labels:
        row(
            f"  {label}",
            [value(s, n, "per_label_f1", label) for n, s in columns],
            width=11,
        )
    for split in [s for s in sets if s not in report.blind] + (["cv"] if report.cv else []):
        results = report.cv if split == "cv" else report.heldout[split]
        for name, scores in results.items():
            lines.append("")
            lines.append(f"top confusions ({split}, {name}): gold -> predicted")
            for gold, predicted, count in scores.confusions or []:
                lines.append(f"  {count:>3}  {gold} -> {predicted}")
            if not scores.confusions:
                lines.append("  none")
    return "\n".join(lines)


def _parse_ms(report: Report, name: str, q: str) -> str:
    if name in report.parse_ms:
        return f"{report.parse_ms[name][q]:.1f}"
    found = report.recorded.get(name, {}).get("parse_ms", {}).get(name, {}).get(q)
    return "-" if found is None else f"{found:.1f}"


def _train_seconds(report: Report, name: str) -> str:
    if name in report.train_seconds:
        return f"{report.train_seconds[name]:.0f}"
    found = report.recorded.get(name, {}).get("train_seconds", {}).get(name)
    return "-" if found is None else f"{found:.0f}"
