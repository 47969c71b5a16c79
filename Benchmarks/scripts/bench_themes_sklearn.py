"""scikit-learn peers for bench-themes: TF-IDF + KMeans and TF-IDF + NMF on exactly the documents
bench-themes wrote (--write-input), with k = the number of true classes; NMI and ARI against the
true classes, one JSON line per dataset, method and seed.

Vectoriser: TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5, strip_accents="unicode"),
the usual document-clustering settings (scikit-learn's "Clustering text documents using
k-means" example); once without stop words (scikit-learn has no French or Spanish list) and once
with our stop-word list, so the gain of stop words alone is visible.
"""
import argparse, json, time
from collections import defaultdict

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--seeds", type=int, default=5)
a = p.parse_args()

docs, stop = defaultdict(list), {}
for line in open(a.input, encoding="utf-8"):
    r = json.loads(line)
    if "stopwords" in r:
        stop[r["dataset"]] = r["stopwords"]
    else:
        docs[r["dataset"]].append(r)

for name, rows in docs.items():
    texts = [r["text"] for r in rows]
    truth = [r["class"] for r in rows]
    k = len(set(truth))
    for variant, stop_words in (("no-stop-words", None), ("our-stop-words", stop[name])):
        vec = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5, strip_accents="unicode", stop_words=stop_words)
        X = vec.fit_transform(texts)
        for seed in range(1, a.seeds + 1):
            for method in ("kmeans", "nmf"):
                t0 = time.perf_counter()
                if method == "kmeans":
                    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)
                else:
                    W = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500).fit_transform(X)
                    labels = np.where(W.max(axis=1) > 0, W.argmax(axis=1), -1)
                seconds = time.perf_counter() - t0
                print(json.dumps({
                    "dataset": name, "method": f"sklearn-{method}", "mode": variant, "seed": seed, "k": k,
                    "documents": len(texts), "features": X.shape[1], "sklearn": sklearn.__version__,
                    "nmi": normalized_mutual_info_score(truth, labels), "ari": adjusted_rand_score(truth, labels),
                    "seconds": seconds,
                }))
