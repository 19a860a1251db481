"""Price and yield risk: what the floor is worth, and how a season's income spreads (numpy).

The model, per contract and season:

- the market price at delivery is log-normal, ``S = median × exp(volatility × Z)`` with ``Z``
  standard normal; contracts in the same *price group* (by default the same crop form) see the
  same ``Z`` in a draw — one market — so an enterprise's top-ups add up as they would;
- the yield per mu is a scaled beta distribution on ``[yield_low, yield_high]`` with mean
  ``yield_mean`` and coefficient of variation ``yield_cv`` (``cv = 0``: the yield is known),
  drawn independently for each contract and of the price;
- the household is paid as DESIGN §4 says: protected kg (up to the quota) at the floor, or at
  ``market × (1 + premium)`` when that is higher (market-linked terms), capped by the ceiling;
  other kg at the market price.

``floor_value`` is the closed form of what the floor is worth, ``E[max(floor − S, 0)]`` per kg
(the Black-Scholes put at zero interest on a log-normal price); ``simulate_income`` draws seasons
for many contracts at once — parameters as arrays, one row per contract (``RiskBook``), work in
chunks of contracts × draws so memory stays bounded, no Python loop per draw or per contract —
and reports mean, P10/P50/P90 of the net income and the increase, the probability that the
floor binds and the enterprise's expected top-up ``Σ (paid − market)`` over protected kg.
Draws are reproducible from ``seed`` (numpy ``Generator``, ``SeedSequence`` streams for the price
and the yield).

numpy is imported by this module only; ``import orderfarm`` does not import it.

>>> from decimal import Decimal as Dec
>>> floor_value(Dec("1.20"), Dec("1.20"), Dec("0"))
Decimal('0.00')
>>> floor_value(Dec("1.20"), Dec("1.00"), Dec("0"), protected_kg=Dec("2000"))
Decimal('400.00')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, overload

import attrs
import numpy as np
import numpy.typing as npt

from orderfarm.checks import Checks
from orderfarm.estimate import Estimate, form_key
from orderfarm.money import D, round_yuan

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: Elements (contracts × draws) worked on at once: 2**20 float64 = 8 MiB per temporary array.
DEFAULT_CHUNK_ELEMENTS: Final = 2**20

#: Largest α + β of the yield's beta distribution (a spread this small is a known yield).
_MAX_CONCENTRATION: Final = 1e12

#: Probabilities are reported to 0.0001.
PROBABILITY_STEP: Final = Decimal("0.0001")

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _normal_cdf(x: FloatArray) -> FloatArray:
    return 0.5 * np.asarray(_erfc(-x / math.sqrt(2.0)), dtype=np.float64)


def _column(name: str, value: object, n: int | None = None) -> FloatArray:
    """A float64 array from an array, a Decimal or an int; Python floats are refused."""
    if isinstance(value, bool | float):
        raise TypeError(
            f"{name}: float {value!r} is not allowed; use Decimal, int or a numpy array"
        )
    if isinstance(value, np.ndarray):
        array = value.astype(np.float64)
    elif isinstance(value, Decimal | int):
        array = np.array(float(value), dtype=np.float64)
    elif isinstance(value, Sequence):
        for item in value:
            if isinstance(item, bool | float) or not isinstance(item, Decimal | int):
                raise TypeError(f"{name}: items must be Decimal or int, got {type(item).__name__}")
        array = np.array([float(item) for item in value], dtype=np.float64)
    else:
        raise TypeError(f"{name}: expected an array, Decimal or int, got {type(value).__name__}")
    if array.ndim > 1:
        raise ValueError(f"{name}: expected one value per contract (1-d), got shape {array.shape}")
    if n is not None:
        array = np.broadcast_to(array, (n,)).copy()
    return array


# --- the closed form --------------------------------------------------------------------------


def lognormal_put(strike: FloatArray, median: FloatArray, volatility: FloatArray) -> FloatArray:
    """``E[max(strike − S, 0)]`` for ``S = median × exp(volatility × Z)``, element-wise.

    Black-Scholes at zero interest: ``K Φ(−d2) − F Φ(−d1)`` with ``F = median e^{σ²/2}``,
    ``d2 = ln(median / K) / σ``, ``d1 = d2 + σ``; intrinsic ``max(K − median, 0)`` where σ = 0;
    0 where the strike is not positive or is NaN (no floor).
    """
    k = np.asarray(strike, dtype=np.float64)
    m = np.asarray(median, dtype=np.float64)
    s = np.asarray(volatility, dtype=np.float64)
    k, m, s = np.broadcast_arrays(k, m, s)
    has_floor = np.isfinite(k) & (k > 0)
    k_safe = np.where(has_floor, k, 1.0)
    risky = has_floor & (s > 0) & (m > 0)
    s_safe = np.where(risky, s, 1.0)
    m_safe = np.where(m > 0, m, 1.0)
    d2 = np.log(m_safe / k_safe) / s_safe
    d1 = d2 + s_safe
    forward = m * np.exp(s * s / 2.0)
    black = k_safe * _normal_cdf(-d2) - forward * _normal_cdf(-d1)
    intrinsic = np.maximum(k_safe - m, 0.0)
    value = np.where(risky, np.maximum(black, 0.0), intrinsic)
    return np.asarray(np.where(has_floor, value, 0.0), dtype=np.float64)


@overload
def floor_value(
    floor: Decimal, median: Decimal, volatility: Decimal, protected_kg: Decimal | None = None
) -> Decimal: ...


@overload
def floor_value(
    floor: FloatArray,
    median: FloatArray | Decimal,
    volatility: FloatArray | Decimal,
    protected_kg: FloatArray | Decimal | None = None,
) -> FloatArray: ...


def floor_value(
    floor: FloatArray | Decimal,
    median: FloatArray | Decimal,
    volatility: FloatArray | Decimal,
    protected_kg: FloatArray | Decimal | None = None,
) -> FloatArray | Decimal:
    """保护价价值 — what the floor is worth: ``E[max(floor − market, 0)]`` for a log-normal market
    price with ``median`` and ``volatility`` (standard deviation of the log price), in closed form.

    With Decimal arguments the result is a Decimal: per kg, not rounded (DESIGN §3; exact for
    ``volatility`` 0), or, given ``protected_kg``, the amount over the protected quantity
    rounded to the fen once. With
    arrays (one value per contract) the result is a float64 array, per kg or times
    ``protected_kg``. Python floats are refused (``TypeError``).
    """
    if (
        isinstance(floor, Decimal)
        and isinstance(median, Decimal)
        and isinstance(volatility, Decimal)
        and (protected_kg is None or isinstance(protected_kg, Decimal))
    ):
        return _floor_value_decimal(floor, median, volatility, protected_kg)
    per_kg = lognormal_put(
        _column("floor", floor), _column("median", median), _column("volatility", volatility)
    )
    if protected_kg is None:
        return per_kg
    return np.asarray(per_kg * _column("protected_kg", protected_kg), dtype=np.float64)


def _floor_value_decimal(
    floor: Decimal, median: Decimal, volatility: Decimal, protected_kg: Decimal | None
) -> Decimal:
    floor, median, volatility = D(floor, "floor"), D(median, "median"), D(volatility, "volatility")
    protected_kg = None if protected_kg is None else D(protected_kg, "protected_kg")
    checks = Checks()
    checks.positive("floor", floor)
    checks.positive("median", median)
    checks.non_negative("volatility", volatility)
    checks.non_negative("protected_kg", protected_kg)
    checks.done()
    if volatility == 0:
        per_kg = max(floor - median, Decimal(0))  # the intrinsic value, exact
    else:
        put = lognormal_put(
            np.array(float(floor)), np.array(float(median)), np.array(float(volatility))
        )
        per_kg = Decimal(repr(float(put)))  # the float it was computed in; not rounded
    if protected_kg is None:
        return per_kg
    return round_yuan(per_kg * protected_kg)


# --- contracts as arrays -------------------------------------------------------------------


def _int_column(name: str, value: object, n: int) -> IntArray:
    if isinstance(value, bool | float):
        raise TypeError(f"{name}: expected integers, got {type(value).__name__}")
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integers, got dtype {array.dtype}")
    return np.broadcast_to(array.astype(np.int64), (n,)).copy()


@attrs.frozen(kw_only=True, eq=False)
class RiskBook:
    """Contracts' parameters as arrays, one row per contract (float64; build with ``from_arrays``
    or ``from_estimates``).

    ``floor`` is NaN for no floor (all kg at the market price); ``ceiling`` and ``quota_kg`` are
    ``inf`` for none. ``cost`` is the household's cost in yuan (own cost and charged inputs) and
    ``baseline`` the maize net the land would give, both fixed. Contracts with the same
    ``price_group`` see the same market-price draw.
    """

    area_mu: FloatArray
    yield_mean: FloatArray
    yield_low: FloatArray
    yield_high: FloatArray
    yield_cv: FloatArray
    price_median: FloatArray
    price_volatility: FloatArray
    floor: FloatArray
    market_linked: BoolArray
    premium: FloatArray
    ceiling: FloatArray
    quota_kg: FloatArray
    cost: FloatArray
    baseline: FloatArray
    price_group: IntArray
    labels: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.area_mu.shape[0])

    def __attrs_post_init__(self) -> None:
        n = len(self)
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray) and value.shape != (n,):
                raise ValueError(f"{field.name}: expected shape ({n},), got {value.shape}")
        checks = Checks()
        if np.any(~(self.area_mu > 0)):
            checks.add("area_mu", "positive")
        if np.any(~(self.yield_mean > 0)):
            checks.add("yield_mean", "positive")
        if np.any(~(self.price_median > 0)):
            checks.add("price_median", "positive")
        if np.any(~(self.price_volatility >= 0)) or np.any(~(self.yield_cv >= 0)):
            checks.add("price_volatility", "non_negative")
        variable = self.yield_cv > 0
        low, mean, high = self.yield_low, self.yield_mean, self.yield_high
        inside = (low < mean) & (mean < high)
        if np.any(variable & ~inside):
            checks.add("yield_mean", "bad_value", reason="a variable yield needs low < mean < high")
        elif np.any(variable & ((self.yield_cv * mean) ** 2 >= (mean - low) * (high - mean))):
            checks.add("yield_cv", "bad_value", reason="too large for the yield's bounds")
        if np.any(self.ceiling < np.where(np.isnan(self.floor), -np.inf, self.floor)):
            checks.add("ceiling", "bad_value", reason="a ceiling is below a floor")
        if np.any(~(self.quota_kg >= 0)) or np.any(~(self.premium >= 0)):
            checks.add("quota_kg", "non_negative")
        checks.done()

    @classmethod
    def from_arrays(
        cls,
        *,
        area_mu: object,
        yield_mean: object,
        price_median: object,
        price_volatility: object,
        floor: object,
        yield_low: object = None,
        yield_high: object = None,
        yield_cv: object = 0,
        market_linked: object = True,
        premium: object = 0,
        ceiling: object = None,
        quota_kg: object = None,
        cost: object = 0,
        baseline: object = 0,
        price_group: object = 0,
        labels: Sequence[str] = (),
    ) -> RiskBook:
        """A book from arrays (or Decimal / int values broadcast to every contract).

        ``yield_low``/``yield_high`` default to the mean (a known yield); ``ceiling`` and
        ``quota_kg`` to none.
        """
        columns = {
            "area_mu": area_mu,
            "yield_mean": yield_mean,
            "price_median": price_median,
            "price_volatility": price_volatility,
            "floor": floor,
            "yield_cv": yield_cv,
            "premium": premium,
            "cost": cost,
            "baseline": baseline,
        }
        given = {k: _column(k, v) for k, v in columns.items()}
        n = max(a.size for a in given.values())
        values = {k: np.broadcast_to(a, (n,)).copy() for k, a in given.items()}
        mean = values["yield_mean"]
        values["yield_low"] = (
            mean.copy() if yield_low is None else _column("yield_low", yield_low, n)
        )
        values["yield_high"] = (
            mean.copy() if yield_high is None else _column("yield_high", yield_high, n)
        )
        values["ceiling"] = (
            np.full(n, np.inf) if ceiling is None else _column("ceiling", ceiling, n)
        )
        values["quota_kg"] = (
            np.full(n, np.inf) if quota_kg is None else _column("quota_kg", quota_kg, n)
        )
        linked = np.broadcast_to(np.asarray(market_linked, dtype=np.bool_), (n,)).copy()
        return cls(
            market_linked=linked,
            price_group=_int_column("price_group", price_group, n),
            labels=tuple(labels),
            **values,
        )

    @classmethod
    def from_estimates(cls, estimates: Sequence[Estimate]) -> RiskBook:
        """A book from estimates: their assumptions and terms; one price group per crop form."""
        n = len(estimates)
        rows = np.zeros((14, n), dtype=np.float64)
        linked = np.ones(n, dtype=np.bool_)
        groups: dict[str, int] = {}
        group = np.zeros(n, dtype=np.int64)
        for i, est in enumerate(estimates):
            if not isinstance(est, Estimate):
                raise TypeError(f"from_estimates needs Estimates, got {type(est).__name__}")
            a, terms = est.assumptions, est.terms
            vol = float(a.price_volatility)
            rows[:, i] = (
                float(est.area_mu),
                float(a.yield_kg_per_mu),
                float(a.yield_low_kg_per_mu),
                float(a.yield_high_kg_per_mu),
                float(a.yield_cv),
                float(a.market_price) * math.exp(-vol * vol / 2.0),
                vol,
                math.nan if est.floor is None else float(est.floor),
                0.0 if terms is None else float(terms.premium),
                math.inf if terms is None or terms.ceiling is None else float(terms.ceiling),
                math.inf if terms is None or terms.quota_kg is None else float(terms.quota_kg),
                float(est.cost),
                float(est.baseline_net),
                0.0,
            )
            linked[i] = terms is None or terms.market_linked
            group[i] = groups.setdefault(form_key(est.crop, est.form), len(groups))
        names = (
            "area_mu",
            "yield_mean",
            "yield_low",
            "yield_high",
            "yield_cv",
            "price_median",
            "price_volatility",
            "floor",
            "premium",
            "ceiling",
            "quota_kg",
            "cost",
            "baseline",
        )
        return cls(
            market_linked=linked,
            price_group=group,
            labels=tuple(e.contract_no or form_key(e.crop, e.form) for e in estimates),
            **{name: rows[i].copy() for i, name in enumerate(names)},
        )


# --- simulation -------------------------------------------------------------------------------


def _money(value: float) -> Decimal:
    return round_yuan(Decimal(value))


@attrs.frozen(kw_only=True)
class IncomeRisk:
    """One contract's simulated season: amounts in yuan rounded to the fen."""

    label: str
    draws: int
    mean_gross: Decimal
    mean_net: Decimal
    p10_net: Decimal
    p50_net: Decimal
    p90_net: Decimal
    baseline_net: Decimal
    mean_increase: Decimal
    p10_increase: Decimal
    p50_increase: Decimal
    p90_increase: Decimal
    #: share of draws in which the floor pays more than the market would (0.0001)
    prob_floor_binds: Decimal
    #: the enterprise's expected top-up over the market, E[Σ (paid − market)] over protected kg
    expected_top_up: Decimal
    #: E[protected kg × max(floor − market, 0)], what the floor is worth to the household
    expected_floor_value: Decimal


@attrs.frozen(kw_only=True, eq=False)
class Simulation:
    """Simulated seasons for a book of contracts: float64 arrays, one value per contract."""

    draws: int
    seed: int | None
    labels: tuple[str, ...]
    mean_gross: FloatArray
    mean_net: FloatArray
    p10_net: FloatArray
    p50_net: FloatArray
    p90_net: FloatArray
    baseline: FloatArray
    prob_floor_binds: FloatArray
    mean_top_up: FloatArray
    mean_floor_value: FloatArray

    def __len__(self) -> int:
        return int(self.mean_net.shape[0])

    @property
    def mean_increase(self) -> FloatArray:
        """Mean increase over the maize baseline, per contract."""
        return np.asarray(self.mean_net - self.baseline, dtype=np.float64)

    def row(self, i: int) -> IncomeRisk:
        """Contract ``i``'s figures as Decimal amounts rounded to the fen."""
        base = float(self.baseline[i])
        return IncomeRisk(
            label=self.labels[i] if i < len(self.labels) else str(i),
            draws=self.draws,
            mean_gross=_money(float(self.mean_gross[i])),
            mean_net=_money(float(self.mean_net[i])),
            p10_net=_money(float(self.p10_net[i])),
            p50_net=_money(float(self.p50_net[i])),
            p90_net=_money(float(self.p90_net[i])),
            baseline_net=_money(base),
            mean_increase=_money(float(self.mean_net[i]) - base),
            p10_increase=_money(float(self.p10_net[i]) - base),
            p50_increase=_money(float(self.p50_net[i]) - base),
            p90_increase=_money(float(self.p90_net[i]) - base),
            prob_floor_binds=Decimal(float(self.prob_floor_binds[i])).quantize(
                PROBABILITY_STEP, rounding=ROUND_HALF_UP
            ),
            expected_top_up=_money(float(self.mean_top_up[i])),
            expected_floor_value=_money(float(self.mean_floor_value[i])),
        )

    def rows(self) -> tuple[IncomeRisk, ...]:
        """Every contract's figures (Decimal)."""
        return tuple(self.row(i) for i in range(len(self)))

    @property
    def total_top_up(self) -> Decimal:
        """The enterprise's expected top-up over all contracts, rounded to the fen."""
        return _money(float(np.sum(self.mean_top_up)))

    @property
    def total_mean_increase(self) -> Decimal:
        """The expected increase over all contracts, rounded to the fen."""
        return _money(float(np.sum(self.mean_increase)))


def _beta_shape(book: RiskBook, rows: IntArray) -> tuple[FloatArray, FloatArray]:
    """α, β of the scaled beta with the rows' mean and coefficient of variation."""
    low, high = book.yield_low[rows], book.yield_high[rows]
    span = np.where(high > low, high - low, 1.0)
    mu = (book.yield_mean[rows] - low) / span
    var = (book.yield_cv[rows] * book.yield_mean[rows] / span) ** 2
    variable = var > 0
    # a vanishing spread is a (nearly) known yield: cap the concentration rather than divide by 0
    concentration = np.minimum(
        mu * (1 - mu) / np.where(variable, var, 1.0) - 1.0, _MAX_CONCENTRATION
    )
    concentration = np.where(variable, concentration, _MAX_CONCENTRATION)
    alpha = np.where(variable, mu * concentration, 1.0)
    beta = np.where(variable, (1 - mu) * concentration, 1.0)
    return alpha, beta


@overload
def simulate_income(
    subject: Estimate,
    *,
    draws: int = ...,
    seed: int,
    chunk_elements: int = ...,
    antithetic: bool = ...,
) -> IncomeRisk: ...


@overload
def simulate_income(
    subject: RiskBook | Sequence[Estimate],
    *,
    draws: int = ...,
    seed: int,
    chunk_elements: int = ...,
    antithetic: bool = ...,
) -> Simulation: ...


def simulate_income(
    subject: Estimate | RiskBook | Sequence[Estimate],
    *,
    draws: int = 10_000,
    seed: int,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
    antithetic: bool = True,
) -> IncomeRisk | Simulation:
    """Draw ``draws`` seasons for each contract and summarise them; reproducible from ``seed``.

    ``subject`` is one ``Estimate`` (the result is its ``IncomeRisk``, Decimal amounts), a
    sequence of estimates or a ``RiskBook`` (the result is a ``Simulation`` of arrays, with
    ``row(i)`` for Decimal figures). Contracts are worked on in chunks of about
    ``chunk_elements`` contracts × draws. With ``antithetic`` each price draw ``Z`` is paired
    with ``−Z``, which keeps the mean of the price exact in pairs and steadies the floor's value.
    """
    if isinstance(subject, Estimate):
        return simulate_income(
            [subject],
            draws=draws,
            seed=seed,
            chunk_elements=chunk_elements,
            antithetic=antithetic,
        ).row(0)
    book = subject if isinstance(subject, RiskBook) else RiskBook.from_estimates(subject)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be a positive int, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if isinstance(chunk_elements, bool) or not isinstance(chunk_elements, int):
        raise TypeError("chunk_elements must be an int")
    return _simulate(book, draws, seed, max(chunk_elements, draws), antithetic)


def _price_profiles(book: RiskBook, group: IntArray) -> IntArray:
    """A number per contract for what its price path depends on: group (the market draw),
    median, volatility, floor, premium, ceiling and whether it follows the market. Contracts
    of one profile share their prices, which are then worked out once per profile."""
    has_floor = ~np.isnan(book.floor)
    columns = np.column_stack(
        [
            group.astype(np.float64),
            book.price_median,
            book.price_volatility,
            np.where(has_floor, book.floor, -1.0),
            np.where(book.market_linked, 1.0 + book.premium, -1.0),
            book.ceiling,
        ]
    )
    _, profile = np.unique(columns, axis=0, return_inverse=True)
    return np.asarray(profile.reshape(-1), dtype=np.int64)


def _simulate(
    book: RiskBook, draws: int, seed: int, chunk_elements: int, antithetic: bool
) -> Simulation:
    n = len(book)
    price_seq, yield_seq = np.random.SeedSequence(seed).spawn(2)
    price_rng = np.random.Generator(np.random.PCG64(price_seq))
    yield_rng = np.random.Generator(np.random.PCG64(yield_seq))
    # Dense group numbers, contracts ordered by group: each chunk needs a contiguous run of
    # groups, drawn in order from the price stream, so memory stays within a chunk.
    _, dense = np.unique(book.price_group, return_inverse=True)
    dense = dense.reshape(-1).astype(np.int64)
    profile = _price_profiles(book, dense)
    order = np.argsort(dense, kind="stable")
    groups_sorted = dense[order]
    out = {
        name: np.empty(n, dtype=np.float64)
        for name in ("gross", "net", "p10", "p50", "p90", "binds", "top_up", "floor_value")
    }
    rows_per_chunk = max(1, chunk_elements // draws)
    half = (draws + 1) // 2
    z_rows = np.empty((0, draws), dtype=np.float64)
    z_first = 0  # group number of z_rows[0]
    for start in range(0, n, rows_per_chunk):
        idx = order[start : start + rows_per_chunk]
        g = groups_sorted[start : start + rows_per_chunk]
        g_lo, g_hi = int(g[0]), int(g[-1])
        have_until = z_first + z_rows.shape[0]  # groups drawn so far: [0, have_until)
        keep = z_rows[g_lo - z_first :] if g_lo < have_until else z_rows[:0]
        fresh = max(0, g_hi + 1 - max(have_until, g_lo))
        if fresh:
            if antithetic:
                z = price_rng.standard_normal((fresh, half))
                new = np.concatenate([z, -z], axis=1)[:, :draws]
            else:
                new = price_rng.standard_normal((fresh, draws))
            z_rows = np.concatenate([keep, new], axis=0)
        else:
            z_rows = keep
        z_first = g_lo
        _, first, inverse = np.unique(profile[idx], return_index=True, return_inverse=True)
        reps = idx[first]  # one contract standing for each price profile of the chunk
        prices = _prices(book, reps, z_rows[dense[reps] - g_lo])
        stats = _chunk(book, idx, inverse.reshape(-1), prices, yield_rng, draws)
        for name, values in stats.items():
            out[name][idx] = values
    return Simulation(
        draws=draws,
        seed=seed,
        labels=book.labels,
        mean_gross=out["gross"],
        mean_net=out["net"],
        p10_net=out["p10"],
        p50_net=out["p50"],
        p90_net=out["p90"],
        baseline=book.baseline.copy(),
        prob_floor_binds=out["binds"],
        mean_top_up=out["top_up"],
        mean_floor_value=out["floor_value"],
    )


@attrs.frozen
class _Prices:
    """Price paths per price profile (profiles × draws)."""

    market: FloatArray
    #: paid − market on a protected kg (DESIGN §4, step 7)
    gap: FloatArray
    #: max(floor − market-linked offer, 0): what the floor adds
    shortfall: FloatArray
    #: share of draws in which the floor binds
    binds: FloatArray


def _prices(book: RiskBook, reps: IntArray, z: FloatArray) -> _Prices:
    def col(a: FloatArray) -> FloatArray:
        return a[reps][:, None]

    market = np.exp(z * col(book.price_volatility))
    market *= col(book.price_median)
    floor = book.floor[reps]
    floor0 = np.where(np.isnan(floor), 0.0, floor)[:, None]
    linked = book.market_linked[reps][:, None]
    offer = market * np.where(linked, 1.0 + col(book.premium), 1.0)
    paid = np.where(linked, np.maximum(offer, floor0), floor0)
    np.minimum(paid, col(book.ceiling), out=paid)
    paid -= market
    np.subtract(floor0, offer, out=offer)
    np.maximum(offer, 0.0, out=offer)
    return _Prices(market, paid, offer, (offer > 0).mean(axis=1))


def _chunk(
    book: RiskBook,
    idx: IntArray,
    profile: IntArray,
    prices: _Prices,
    yield_rng: np.random.Generator,
    draws: int,
) -> dict[str, FloatArray]:
    """Seasons for the contracts ``idx`` (rows × draws) and their per-contract statistics;
    ``profile`` gives each row's price paths in ``prices``."""

    def col(a: FloatArray) -> FloatArray:
        return a[idx][:, None]

    # yield: known, or a scaled beta draw for the rows that vary
    kg = np.empty((idx.size, draws), dtype=np.float64)
    kg[:] = col(book.yield_mean)
    variable = book.yield_cv[idx] > 0
    if np.any(variable):
        rows = idx[variable]
        alpha, beta = _beta_shape(book, rows)
        share = yield_rng.beta(alpha[:, None], beta[:, None], size=(rows.size, draws))
        low, high = book.yield_low[rows][:, None], book.yield_high[rows][:, None]
        share *= high - low
        share += low
        kg[variable] = share
    kg *= col(book.area_mu)
    # protected kg at the paid price (market + gap), the rest at the market
    cap = np.where(np.isnan(book.floor[idx]), 0.0, book.quota_kg[idx])
    protected = np.minimum(kg, cap[:, None])
    gross = kg
    gross *= prices.market[profile]
    top_up = protected * prices.gap[profile]
    gross += top_up
    mean_gross = gross.mean(axis=1)
    net = gross
    net -= col(book.cost)
    p10, p50, p90 = np.percentile(net, [10.0, 50.0, 90.0], axis=1)
    protected *= prices.shortfall[profile]
    return {
        "gross": mean_gross,
        "net": net.mean(axis=1),
        "p10": p10,
        "p50": p50,
        "p90": p90,
        "binds": np.where(cap > 0, prices.binds[profile], 0.0),
        "top_up": top_up.mean(axis=1),
        "floor_value": protected.mean(axis=1),
    }
