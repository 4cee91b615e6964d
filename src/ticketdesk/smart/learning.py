"""The baseline learner: TF-IDF over word and character n-grams (works for English,
Portuguese and Italian alike, accents folded) and one linear classifier per field
(SGD with logistic loss: probabilities, fast on sparse rows). Pure scikit-learn, no
database: `training.py` feeds it rows, `prediction.py` asks it questions."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

FIELDS = ("ticket_type", "category", "team", "urgency", "impact")
MAX_WORD_FEATURES = 200_000
MAX_CHAR_FEATURES = 200_000
COMMON_SHARE = 0.02  # similarity ignores features in more than 2 % of the indexed tickets
COMMON_FLOOR = 200  # ... but never on a small desk
MIN_EXAMPLES = 2  # a field needs at least two classes with examples to be learned


def ticket_text(subject: str, description: str) -> str:
    """What the learner reads of a ticket: the subject counts twice (it says the most)."""
    return f"{subject}\n{subject}\n{(description or '')[:3000]}"


def make_vectorizer() -> FeatureUnion:
    common: dict[str, Any] = {"strip_accents": "unicode", "lowercase": True, "sublinear_tf": True}
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    max_features=MAX_WORD_FEATURES,
                    **common,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    max_features=MAX_CHAR_FEATURES,
                    min_df=2,
                    **common,
                ),
            ),
        ]
    )


@dataclass
class Learner:
    """A trained baseline: vectorizer, classifiers per field, and the similarity index (the
    normalised TF-IDF rows of the tickets learned from, with their ids)."""

    vectorizer: FeatureUnion
    classifiers: dict[str, SGDClassifier] = field(default_factory=dict)
    feature_names: np.ndarray | None = None
    word_feature_count: int = 0
    index_ids: np.ndarray | None = None
    index_rows: sparse.csc_matrix | None = None
    similarity_mask: sparse.csr_matrix | None = None  # 1 × features: 1 kept, 0 dropped

    def vectors(self, texts: list[str]) -> sparse.csr_matrix:
        return normalize(self.vectorizer.transform(texts))

    def similarity_part(self, vectors: sparse.csr_matrix) -> sparse.csr_matrix:
        """The features similarity compares, normalised: every word, word pair and
        character piece except those in a large share of the indexed tickets (" th", "ing":
        they say little and would make each lookup read most of the index)."""
        rows = sparse.csr_matrix(vectors)
        if self.similarity_mask is not None:
            rows = sparse.csr_matrix(rows.multiply(self.similarity_mask))
        return normalize(rows)

    def similarities(self, texts: list[str], vector: sparse.csr_matrix) -> np.ndarray:
        """Cosine similarity of each of `texts` to one ticket's `vector` (a few hundred at
        most: tickets newer than the model, open problems)."""
        rows = self.similarity_part(self.vectors(texts))
        return np.asarray((rows @ self.similarity_part(vector).T).toarray()).ravel()

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> Learner:
        return joblib.load(io.BytesIO(bytes(data)))  # type: ignore[no-any-return]


def fit(
    texts: list[str],
    labels: dict[str, list[Any]],
    ids: list[int],
    *,
    index_size: int,
    progress: Any = None,
) -> Learner:
    """Learn from `texts` (oldest first) and their `labels` per field (None: unknown);
    the newest `index_size` tickets form the similarity index. `progress(step, total)`."""
    steps = len(FIELDS) + 2
    learner = Learner(vectorizer=make_vectorizer())
    matrix = normalize(learner.vectorizer.fit_transform(texts))
    word = learner.vectorizer.transformer_list[0][1]
    char = learner.vectorizer.transformer_list[1][1]
    learner.word_feature_count = len(word.vocabulary_)
    learner.feature_names = np.concatenate(
        [word.get_feature_names_out(), char.get_feature_names_out()]
    )
    if progress:
        progress(1, steps)
    for number, name in enumerate(FIELDS, start=2):
        classifier = _fit_field(matrix, labels.get(name) or [])
        if classifier is not None:
            learner.classifiers[name] = classifier
        if progress:
            progress(number, steps)
    start = max(0, len(ids) - index_size)
    learner.index_ids = np.asarray(ids[start:], dtype=np.int64)
    indexed = sparse.csc_matrix(matrix[start:])
    frequency = np.diff(indexed.indptr)  # tickets per feature
    common = max(COMMON_FLOOR, int(COMMON_SHARE * indexed.shape[0]))
    learner.similarity_mask = sparse.csr_matrix((frequency <= common).astype(np.float32))
    # by column (an inverted index): a lookup reads only the columns of the ticket's features
    learner.index_rows = sparse.csc_matrix(
        learner.similarity_part(matrix[start:]), dtype=np.float32
    )
    if progress:
        progress(steps, steps)
    return learner


def _fit_field(matrix: sparse.csr_matrix, labels: list[Any]) -> SGDClassifier | None:
    known = [i for i, label in enumerate(labels) if label is not None]
    values = [str(labels[i]) for i in known]
    if len(set(values)) < MIN_EXAMPLES:
        return None
    classifier = SGDClassifier(
        loss="log_loss", alpha=1e-5, max_iter=30, tol=1e-4, random_state=7, average=True
    )
    with warnings.catch_warnings():  # small desks: a few epochs are enough, said or not
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(matrix[known], values)
    return classifier


@dataclass
class FieldGuess:
    value: str
    confidence: float
    ranked: list[tuple[str, float]]
    words: list[str]


def guess(learner: Learner, vector: sparse.csr_matrix, name: str) -> FieldGuess | None:
    """The most probable value of field `name` for one ticket's `vector`, its top three, and
    the words that weighed most for it."""
    classifier = learner.classifiers.get(name)
    if classifier is None:
        return None
    probabilities = probabilities_of(classifier, vector)
    order = np.argsort(probabilities)[::-1]
    ranked = [(str(classifier.classes_[i]), float(probabilities[i])) for i in order[:3]]
    best = int(order[0])
    return FieldGuess(
        value=ranked[0][0],
        confidence=ranked[0][1],
        ranked=ranked,
        words=top_words(learner, classifier, vector, best),
    )


def probabilities_of(classifier: SGDClassifier, vector: sparse.csr_matrix) -> np.ndarray:
    """`classifier.predict_proba(vector)[0]` for one row, computed over the row's non-zero
    features only: the decision scores are coef[:, nz] @ x[nz] + intercept (a few hundred
    columns of the coefficient matrix instead of a sparse × dense product over all of it,
    and none of scikit-learn's input validation), then the logistic function and, with
    more than two classes, the one-vs-rest normalisation, exactly as the classifier does."""
    row = vector if sparse.isspmatrix_csr(vector) else sparse.csr_matrix(vector)
    columns, values = row.indices, row.data
    coefficients = classifier.coef_
    scores = coefficients[:, columns] @ values + classifier.intercept_
    scores = expit(scores)
    if coefficients.shape[0] == 1:  # binary: the score is for classes_[1]
        return np.array([1.0 - scores[0], scores[0]])
    total = scores.sum()
    if total == 0:  # every class at zero: uniform, as scikit-learn does
        return np.full(len(scores), 1.0 / len(scores))
    return scores / total  # type: ignore[no-any-return]


def top_words(
    learner: Learner, classifier: SGDClassifier, vector: sparse.csr_matrix, class_index: int
) -> list[str]:
    """The ticket's words with the largest weight × value towards class `class_index`
    (whole words and word pairs first; character pieces only when no word counts)."""
    row = vector.tocsr()
    columns, values = row.indices, row.data
    coefficients = classifier.coef_
    weights = coefficients[class_index if coefficients.shape[0] > 1 else 0]
    if coefficients.shape[0] == 1 and class_index == 0:
        weights = -weights  # binary: coef_ points to classes_[1]
    contributions = values * weights[columns]
    names = learner.feature_names
    assert names is not None
    words = [
        (float(c), str(names[col]))
        for col, c in zip(columns, contributions, strict=True)
        if c > 0 and col < learner.word_feature_count
    ]
    words.sort(reverse=True)
    return [w for _c, w in words[:5]]


def index_scores(learner: Learner, vector: sparse.csr_matrix) -> np.ndarray:
    """Cosine similarity of one ticket's `vector` to every indexed ticket (reads only the
    index columns of the ticket's features)."""
    if learner.index_rows is None or learner.index_ids is None or not len(learner.index_ids):
        return np.zeros(0, dtype=np.float32)
    query = learner.similarity_part(vector)
    if not query.nnz:
        return np.zeros(len(learner.index_ids), dtype=np.float32)
    return np.asarray(learner.index_rows[:, query.indices] @ query.data.astype(np.float32))


def scores_of(learner: Learner, scores: np.ndarray, ids: list[int]) -> dict[int, float]:
    """The indexed tickets among `ids` with their score (the index is in id order)."""
    if learner.index_ids is None or not len(scores) or not ids:
        return {}
    wanted = np.asarray(ids, dtype=np.int64)
    positions = np.minimum(np.searchsorted(learner.index_ids, wanted), len(scores) - 1)
    found = learner.index_ids[positions] == wanted
    return {
        int(pk): float(scores[pos]) for pk, pos in zip(wanted[found], positions[found], strict=True)
    }


def nearest(
    learner: Learner,
    vector: sparse.csr_matrix,
    limit: int,
    exclude: int | None = None,
    scores: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """(ticket id, cosine similarity) of the most similar tickets in the index."""
    scores = index_scores(learner, vector) if scores is None else scores
    if not len(scores) or learner.index_ids is None:
        return []
    take = min(len(scores), limit + 1)
    top = np.argpartition(-scores, take - 1)[:take]
    top = top[np.argsort(-scores[top])]
    found = [(int(learner.index_ids[i]), float(scores[i])) for i in top if scores[i] > 0]
    return [(pk, s) for pk, s in found if pk != exclude][:limit]
