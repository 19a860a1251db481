"""Price one weighing slip of dried chilli under a protective-price contract and explain it."""

from orderfarm import Contract, D, Weighing, price_delivery

contract = Contract.from_template(
    "朝天椒",
    "dried",
    contract_no="SZ-2018-LJ-0001",
    enterprise="91611002MA6YQKCR9U",
    household="61100219650301002X",
    season=2018,
    area_mu="2.5",
    terms_overrides={"premium": D("0.05"), "quota_kg": D("600")},
)
slip = Weighing(
    gross_kg=D("128.40"), tare_kg=D("3.40"), grade="一等", moisture=D("0.18"), impurity=D("0.01")
)
quote = price_delivery(contract.terms, slip, market_price=D("11.60"), delivered_before_kg=D("560"))
print(quote.explain("zh"))
print()
print(quote.explain("en"))
