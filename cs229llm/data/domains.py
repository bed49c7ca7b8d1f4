"""Domain classification of documents (lecture: data mixing needs to know what each document is).

A linear model (hashed word uni- and bigrams, TF-IDF weighting, logistic loss by SGD; scikit-learn)
is trained on the labelled sample crawl, split by ``dup_group`` so a near-copy of a training page
never lands in the test set. The model is saved as plain arrays (``.npz``) plus JSON settings,
never as a pickle, so loading a model file cannot run code.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import normalize

from ..errors import InputError
from .documents import is_kept, require_columns
from .extract import extract_text
from .samples import crawl_paths, load_labels
from .stage import Stage, stage
from .warc import read_warc

STAGE = "domain_classify"
# How texts become features; stored with the model so a saved model rebuilds the same vectoriser.
VECTORISER_SETTINGS = {"n_features": 1 << 18, "ngram_range": [1, 2], "lowercase": True,
                       "alternate_sign": False, "norm": None, "token_pattern": r"(?u)\b\w+\b"}


@dataclass
class DomainModel:
    """A trained domain classifier: vectoriser settings, IDF weights and the linear layer.

    Attributes:
        classes: domain names, in the order of the rows of ``coef``.
        coef: float32 [C, F] weights; intercept: float32 [C].
        idf: float32 [F] inverse document frequencies of the hashed features.
        settings: the HashingVectorizer settings (JSON-able).
        report: accuracy, confusion matrix and split sizes from training (JSON-able).
    """
    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray
    settings: dict
    report: dict

    def features(self, texts) -> "object":
        """TF-IDF features of ``texts``: a sparse [N, F] matrix, L2-normalised rows."""
        counts = _vectoriser(self.settings).transform(_clean_texts(texts))
        counts.data = np.log1p(counts.data)  # sublinear term frequency
        return normalize(counts.multiply(self.idf[None, :]).tocsr())

    def predict_proba(self, texts) -> np.ndarray:
        """Class probabilities: float [N, C] (one-vs-rest logistic scores, normalised to sum to 1)."""
        scores = np.asarray(self.features(texts) @ self.coef.T) + self.intercept[None, :]
        one_vs_rest = 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
        return one_vs_rest / np.maximum(one_vs_rest.sum(axis=1, keepdims=True), 1e-12)

    def predict(self, texts) -> list[str]:
        """The most probable domain of each text."""
        return [self.classes[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def save(self, path: str | Path) -> Path:
        """Write the model as one ``.npz`` of arrays (settings and report as JSON strings)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32),
                            idf=self.idf.astype(np.float32), classes=np.array(self.classes, dtype=str),
                            settings=np.array(json.dumps(self.settings)), report=np.array(json.dumps(self.report)))
        return path


def _vectoriser(settings: dict):
    options = dict(settings)
    options["ngram_range"] = tuple(options["ngram_range"])
    return HashingVectorizer(**options)


def _clean_texts(texts) -> list[str]:
    """Strings only; NUL bytes removed (missing values become "")."""
    return ["" if not isinstance(t, str) else t.replace("\x00", " ") for t in texts]


def load_model(path: str | Path) -> DomainModel:
    """Load a model written by :meth:`DomainModel.save` (no pickle: ``allow_pickle=False``).

    Raises:
        InputError: the file is missing or is not such a model.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such model file: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return DomainModel(classes=[str(c) for c in data["classes"]], coef=data["coef"],
                               intercept=data["intercept"], idf=data["idf"],
                               settings=json.loads(str(data["settings"])), report=json.loads(str(data["report"])))
    except (KeyError, ValueError, OSError) as error:
        raise InputError(f"{path} is not a domain model saved by cs229llm ({error})") from None


# ---------------------------------------------------------------- training data


@functools.lru_cache(maxsize=2)
def labelled_crawl(method: str = "resiliparse") -> pd.DataFrame:
    """The sample crawl, extracted to text and joined with its ground truth (cached per process).

    Returns:
        The documents table (every record the reader returned) with the label columns
        ``domain``, ``dup_group``, ``kind``, ``quality``, ``similarity``, ``lang`` added (from
        :func:`~cs229llm.data.samples.load_labels`, joined on the WARC record id).
    """
    docs, _ = read_warc(crawl_paths())
    docs = extract_text(docs, method=method)
    labels = load_labels().set_index("record_id")
    columns = ["domain", "dup_group", "kind", "quality", "similarity", "lang"]
    joined = docs.join(labels[columns].rename(columns={"lang": "true_lang"}), on="warc_record_id")
    return joined


def split_by_group(groups, test_fraction: float = 0.25, seed: int = 229) -> np.ndarray:
    """bool [N]: True for test rows. Whole groups go to one side (near-copies never straddle)."""
    groups = pd.Series(list(groups), dtype=object)
    groups = groups.where(groups.notna() & (groups.astype(str) != ""), "row" + groups.index.astype(str))
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    _, test_index = next(splitter.split(np.zeros(len(groups)), groups=groups.astype(str)))
    mask = np.zeros(len(groups), dtype=bool)
    mask[test_index] = True
    return mask


def train_domain_classifier(texts, domains, groups=None, test_fraction: float = 0.25, seed: int = 229,
                            regularisation: float = 1e-5, n_features: int | None = None) -> DomainModel:
    """Train the TF-IDF + logistic (one-vs-rest, SGD) domain classifier; report held-out accuracy.

    Args:
        texts, domains: N training texts and their domain labels.
        groups: N group labels (e.g. ``dup_group``) kept on one side of the split; None = rows.
        test_fraction: share of groups held out for the accuracy and confusion matrix.
        seed: the split and the solver are deterministic given it.
        regularisation: L2 strength ``alpha`` of the SGD logistic classifier.
        n_features: hashed feature count (default ``VECTORISER_SETTINGS``: 2^18).

    Returns:
        A :class:`DomainModel` refit on all rows, whose ``report`` holds ``accuracy`` and the
        ``confusion`` matrix (rows = true, columns = predicted) on the held-out split.
    """
    texts = _clean_texts(texts)
    domains = [str(d) for d in domains]
    if len(texts) != len(domains) or len(set(domains)) < 2:
        raise InputError("training needs texts with labels of at least two domains")
    groups = list(range(len(texts))) if groups is None else list(groups)
    test = split_by_group(groups, test_fraction, seed)
    classes = sorted(set(domains))
    settings = dict(VECTORISER_SETTINGS, **({"n_features": int(n_features)} if n_features else {}))

    def fit(rows: np.ndarray) -> DomainModel:
        counts = _vectoriser(settings).transform([texts[i] for i in rows])
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = (np.log((1 + len(rows)) / (1 + document_frequency)) + 1).astype(np.float32)
        model = DomainModel(classes, np.zeros((len(classes), counts.shape[1]), np.float32),
                            np.zeros(len(classes), np.float32), idf, dict(settings), {})
        classifier = SGDClassifier(loss="log_loss", alpha=regularisation, max_iter=50, tol=None,
                                   random_state=seed)
        classifier.fit(model.features([texts[i] for i in rows]), [domains[i] for i in rows])
        order = [list(classifier.classes_).index(c) for c in classes]
        model.coef = classifier.coef_[order].astype(np.float32)
        model.intercept = classifier.intercept_[order].astype(np.float32)
        return model

    held_out = fit(np.flatnonzero(~test))
    test_rows = np.flatnonzero(test)
    predicted = held_out.predict([texts[i] for i in test_rows])
    truth = [domains[i] for i in test_rows]
    report = {"accuracy": float(accuracy_score(truth, predicted)), "classes": classes,
              "confusion": confusion_matrix(truth, predicted, labels=classes).tolist(),
              "train_documents": int((~test).sum()), "test_documents": int(test.sum()),
              "split": f"GroupShuffleSplit by group, test_fraction={test_fraction}, seed={seed}"}
    final = fit(np.arange(len(texts)))
    final.report = report
    return final


def train_on_sample_crawl(seed: int = 229) -> DomainModel:
    """Train on the labelled sample crawl: the extracted text of its articles (label quality "good").

    The classifier runs after the quality filters in the pipeline, so it learns from (and is
    tested on) the kind of page that reaches it; listings, spam and lorem ipsum carry their
    site's domain label but little of its content. Deterministic: the same crawl and seed give
    the same model, so the CLI can retrain instead of shipping a model file.
    """
    crawl = labelled_crawl()
    usable = (is_kept(crawl) & crawl["domain"].notna() & (crawl["quality"] == "good")
              & (crawl["text"].str.strip() != ""))
    rows = crawl[usable]
    return train_domain_classifier(rows["text"].tolist(), rows["domain"].tolist(), rows["dup_group"].tolist(),
                                   seed=seed)


# ---------------------------------------------------------------- the stage


@stage(STAGE)
def classify_domains(docs: pd.DataFrame, model: DomainModel | None = None) -> pd.DataFrame:
    """Stage ``domain_classify``: add ``domain`` and ``domain_score`` (the top probability).

    Only kept rows with some text are classified; the others get ``domain`` None and
    ``domain_score`` NaN (nothing is dropped). ``model`` None trains on the sample crawl.
    """
    require_columns(docs, ["id", "text"])
    model = model or default_model()
    out = docs.copy()
    texts = _clean_texts(out["text"].tolist())
    usable = is_kept(out).to_numpy() & np.array([bool(t.strip()) for t in texts], dtype=bool)
    domains = pd.Series(None, index=out.index, dtype=object)
    scores = pd.Series(np.nan, index=out.index, dtype=float)
    if usable.any():
        probabilities = model.predict_proba([t for t, ok in zip(texts, usable) if ok])
        domains[usable] = [model.classes[i] for i in probabilities.argmax(axis=1)]
        scores[usable] = probabilities.max(axis=1)
    out["domain"] = domains
    out["domain_score"] = scores
    return out


@functools.lru_cache(maxsize=1)
def default_model() -> DomainModel:
    """The model trained on the sample crawl (trained once per process)."""
    return train_on_sample_crawl()


def pipeline_stage(model: DomainModel | None = None):
    """A :class:`~cs229llm.data.pipeline.Stage` that classifies domains with ``model`` (default: the crawl's)."""
    return Stage(classify_domains, kwargs={"model": model or default_model()})


def confusion_table(model: DomainModel) -> pd.DataFrame:
    """The held-out confusion matrix of a trained model as a labelled DataFrame (rows = true)."""
    classes = model.report["classes"]
    return pd.DataFrame(model.report["confusion"], index=pd.Index(classes, name="true"),
                        columns=pd.Index(classes, name="predicted"))
