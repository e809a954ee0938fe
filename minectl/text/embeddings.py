"""Word vectors trained here on unlabelled text: skip-gram with negative sampling (word2vec),
in torch. No pre-trained model can be downloaded (no model hub is reachable), so this is the
tagger's only pre-training; a word met only in new text still gets a vector from its context."""

from __future__ import annotations


def skipgram_vectors(sentences: list[list[str]], vocab: dict[str, int], dim: int = 50, window: int = 2, negatives: int = 5,
                     epochs: int = 5, learning_rate: float = 0.01, random_state: int = 0):
    """A (len(vocab), dim) float tensor of input vectors for ``vocab`` (word -> row; rows of words
    never seen in ``sentences`` keep their small random start)."""
    import torch

    generator = torch.Generator().manual_seed(random_state)
    ids = [[vocab[w] for w in s if w in vocab] for s in sentences]
    pairs = [(s[i], s[j]) for s in ids for i in range(len(s)) for j in range(max(0, i - window), min(len(s), i + window + 1)) if i != j]
    centre = torch.randn(len(vocab), dim, generator=generator) * 0.1
    if not pairs:
        return centre
    centre.requires_grad_(True)
    context = torch.zeros(len(vocab), dim, requires_grad=True)
    counts = torch.bincount(torch.tensor([w for s in ids for w in s]), minlength=len(vocab)).float()
    noise = counts.pow(0.75)  # word2vec's unigram^0.75 noise distribution
    pairs_t = torch.tensor(pairs)
    optimiser = torch.optim.Adam([centre, context], lr=learning_rate)
    for _ in range(epochs):
        for batch in pairs_t[torch.randperm(len(pairs_t), generator=generator)].split(512):
            neg = torch.multinomial(noise, len(batch) * negatives, replacement=True, generator=generator).view(len(batch), negatives)
            c = centre[batch[:, 0]]
            positive = (c * context[batch[:, 1]]).sum(1)
            negative = torch.bmm(context[neg], c.unsqueeze(2)).squeeze(2)
            loss = -(torch.nn.functional.logsigmoid(positive).mean() + torch.nn.functional.logsigmoid(-negative).sum(1).mean())
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return centre.detach()
