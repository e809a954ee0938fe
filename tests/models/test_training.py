"""minectl.models.training: the shared early-stopping loop of the torch models."""

import torch

from minectl.models.training import fit_early_stopping


def fit(val_rows=None, **kw):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3 * torch.randn(64, generator=generator)
    options = {"learning_rate": 0.05, "batch_size": 16, "max_epochs": 200, "patience": 3, "random_state": 1,
               "device": torch.device("cpu")}
    return fit_early_stopping(
        lambda: torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1), torch.nn.Flatten(0)),
        torch.nn.MSELoss(), train=((x[:48],), y[:48]), validation_rows=val_rows,
        validation=((x[48:],), y[48:] if val_rows is None else y[48:][val_rows]), **{**options, **kw},
    ), (x[48:], y[48:])


def test_stops_after_patience_and_keeps_the_best_epoch():
    fitted, (x_val, y_val) = fit()
    losses = fitted.validation_loss
    best = losses.index(min(losses))
    assert len(losses) < 200 and len(losses) - 1 - best == 3
    assert len(fitted.train_loss) == len(losses)
    assert not fitted.network.training
    with torch.no_grad():
        assert float(torch.nn.MSELoss()(fitted.network(x_val), y_val)) == min(losses)


def test_same_seed_same_fit_and_min_delta_stops_sooner():
    first, _ = fit()
    assert fit()[0].validation_loss == first.validation_loss
    assert fit(random_state=2)[0].validation_loss != first.validation_loss
    assert len(fit(min_delta=10.0)[0].validation_loss) == 4  # only the first epoch counts as a gain


def test_validation_rows_score_only_those_rows_and_none_scores_zero():
    rows = torch.arange(16) < 5
    fitted, (x_val, y_val) = fit(rows)
    with torch.no_grad():
        assert float(torch.nn.MSELoss()(fitted.network(x_val)[rows], y_val[rows])) == min(fitted.validation_loss)
    empty, _ = fit(torch.zeros(16, dtype=torch.bool))
    assert empty.validation_loss == [0.0] * 4  # nothing to score: no epoch improves on the first


def test_the_loops_adam_takes_torch_adams_steps_bit_for_bit():
    # the loop's own Adam exists only to skip torch.optim's import cost: it must stay torch's update
    from minectl.models.training import _Adam

    def trained(make_optimiser):
        torch.manual_seed(0)
        net = torch.nn.LSTM(3, 5, batch_first=True)
        x = torch.randn(8, 6, 3, generator=torch.Generator().manual_seed(1))
        optimiser = make_optimiser(list(net.parameters()))
        for _ in range(25):
            optimiser.zero_grad()
            (net(x)[0] ** 2).mean().backward()
            optimiser.step()
        return [p.detach().clone() for p in net.parameters()]

    ours = trained(lambda params: _Adam(params, 0.01))
    torchs = trained(lambda params: torch.optim.Adam(params, lr=0.01))
    assert all(torch.equal(a, b) for a, b in zip(ours, torchs, strict=True))
    assert not torch.equal(ours[0], trained(lambda params: _Adam(params, 0.02))[0])
