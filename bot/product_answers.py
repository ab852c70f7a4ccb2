"""Answers to product questions, from the catalogue alone (no database, no Rasa).

:func:`question_kinds` reads what the customer asks about (size, material, care, stock,
restock, warranty, or nothing in particular) and :func:`answer` turns the candidate
products (``bot.products.find_in_text``) into the reply: the catalogue's facts as they are,
never more. Where the catalogue is silent, or no product matches, the reply says so and
offers a person (handoff reason ``product_question``). Several candidates: the customer
chooses, one button per product. Nothing here knows about orders.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.messages import catalogue, render
from bot.product_text import SKU_TOKEN, name_key, name_parts, sku_text
from bot.settings import OrderRules

LOW_STOCK = 3  # 「残りわずか」 at this many or fewer
MAX_CHOICES = 10  # product buttons under one question

KINDS = ("size", "material", "care", "stock", "restock", "warranty", "general")
# The customer's words for each kind, matched on NFKC-normalised, lower-cased text. Checked
# together: 「素材と洗濯方法」 asks two things.
_PATTERNS = {
    "restock": r"再入荷|入荷(予定|日|時期|は|の予定|しますか|されますか|する)"
    r"|いつ(頃|ごろ)?入(る|りますか)|次の入荷|また(販売|入)",
    "stock": r"在庫|売り?切れ|品切れ|欠品|完売|買えますか|買えますでしょうか|購入(でき|可能)"
    r"|注文(でき|可能)|残って",
    "care": r"洗濯|洗え|洗う|洗い|縮み|縮む|縮ま|手入れ|乾燥機|アイロン|クリーニング|食洗機|食器洗"
    r"|電子レンジ|漂白|洗剤",
    "material": r"素材|生地|材質|何でできて|なにでできて|何製|原材料|混率",
    "warranty": r"保証",
    "size": r"着丈|身幅|肩幅|袖丈|股下|ウエスト|寸法|大きさ|何センチ|なんセンチ|何cm|cm|センチ"
    r"|サイズ感|サイズ表|採寸|高さ|長さ|直径|口径|マチ|横幅|縦幅|何号",
}
_COMPILED = {kind: re.compile(pattern) for kind, pattern in _PATTERNS.items()}
_SIZE_WORD = re.compile(r"サイズ")
_ASKS_AVAILABLE = re.compile(r"あります|ありますか|ある[?？]|あれば|ございます")
# A size the customer names next to 「サイズ」 (Mサイズ, サイズはXL) that the product may lack.
_NAMED_SIZE = re.compile(
    r"(?<![A-Z0-9])(XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]L|[2-5]XL|F|FREE)(?![A-Z0-9])\s*サイズ"
    r"|サイズ\s*(?:は|の)?\s*(XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]L|[2-5]XL|F|FREE)(?![A-Z0-9])"
)
# What is left of 「SMP-TOTE-02 について教えてください」 once the product is taken out.
_FILLER = re.compile(
    r"について|教えて(ください|下さい|もらえますか|いただけますか)?|知りたい(です)?|詳し(く|い)|詳細"
    r"|情報|商品番号|品番|商品|番号|こちら|この|その|あの|これ|それ|です|ます|でしょうか"
    r"|ください|下さい|お願い(します|いたします|致します)?|どんな|どういう|どのような|もの"
    r"|って|とは|[はのをがかとにでもねよ]|[\s、。,.!！?？「」『』()（）:：・〜~-]"
)


@dataclass(frozen=True)
class ProductAnswer:
    """The reply to a product question.

    ``text`` is said first (with ``buttons``, one per candidate, when the customer must
    choose); ``offer`` then asks whether to bring in a person: ``"not_found"``,
    ``"no_data"`` (the catalogue says nothing about ``topic`` of ``product``) or ``"more"``
    (the question went beyond the facts shown). ``sku`` is the product answered about, to
    remember for the next question.
    """

    text: str = ""
    buttons: list[dict] = field(default_factory=list)
    sku: str | None = None
    offer: str | None = None
    topic: str = ""
    product: str = ""


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def topic_name(kind: str) -> str:
    """サイズ, 素材, お手入れ方法 ... for a question kind."""
    return catalogue()["product_topics"][kind]


def question_kinds(text: str) -> list[str]:
    """What the message asks about, in :data:`KINDS` order; ``["general"]`` when nothing
    in particular. A restock question is answered with the stock, so it stands alone."""
    normal = _normal(text)
    kinds = [kind for kind in KINDS[:-1] if _COMPILED[kind].search(normal)]
    if "restock" in kinds and "stock" in kinds:
        kinds.remove("stock")
    if not kinds and _SIZE_WORD.search(normal):
        kinds = ["stock" if _ASKS_AVAILABLE.search(normal) else "size"]  # 「Mサイズはありますか」
    if not kinds and _ASKS_AVAILABLE.search(normal):
        kinds = ["stock"]
    return kinds or ["general"]


def question_kind(text: str) -> str:
    """The main thing the message asks about (the first of :func:`question_kinds`)."""
    return question_kinds(text)[0]


# --- sizes --------------------------------------------------------------------------------


def _size_pattern(size: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Z0-9.]){re.escape(sku_text(size))}(?![A-Z0-9])")


def asked_size(text: str, product: dict) -> str | None:
    """The size of ``product`` the message names (``Mサイズ``, ``TS-01-M``, ``XL``), or None."""
    upper = sku_text(text)
    sizes = sorted((s["size"] for s in product.get("sizes") or []), key=len, reverse=True)
    sizes += [s for s in _stock_sizes(product) if s not in sizes]
    for token in SKU_TOKEN.findall(upper):
        if token.startswith(product["sku"] + "-"):
            rest = token[len(product["sku"]) + 1 :]
            match = next((s for s in sizes if sku_text(s) == rest), None)
            if match:
                return match
    without_sku = upper.replace(product["sku"], " ")
    return next((s for s in sizes if _size_pattern(s).search(without_sku)), None)


def _missing_size(text: str, product: dict) -> str | None:
    """A size named with 「サイズ」 that the product does not come in (「XLサイズ」)."""
    match = _NAMED_SIZE.search(sku_text(text))
    if not match or not (product.get("sizes") or _stock_sizes(product)):
        return None
    named = match[1] or match[2]
    known = {sku_text(s) for s in _size_names(product)}
    return None if named in known else named


def _stock_sizes(product: dict) -> list[str]:
    stock = product.get("stock")
    return list(stock) if isinstance(stock, dict) else []


def _size_names(product: dict) -> list[str]:
    names = [s["size"] for s in product.get("sizes") or []]
    return names + [s for s in _stock_sizes(product) if s not in names]


# --- one product, one kind ----------------------------------------------------------------


def _state(count: int | None) -> str:
    if count is None:
        return "unknown"
    if count <= 0:
        return "sold_out"
    return "few" if count <= LOW_STOCK else "in_stock"


def _sizes_text(product: dict, size: str | None) -> str | None:
    sizes = [s for s in product.get("sizes") or [] if size is None or s["size"] == size]
    measured = [
        {
            "size": s["size"],
            "measurements": [{"label": k, "value": v} for k, v in s["measurements"].items()],
        }
        for s in sizes
        if s.get("measurements")
    ]
    if measured:
        return render("product_sizes", product=product["name"], sku=product["sku"], sizes=measured)
    if sizes and size is None:  # sizes without measurements (23-25cm): their names
        return render(
            "product_size_names",
            product=product["name"],
            sku=product["sku"],
            size_names=[s["size"] for s in sizes],
        )
    return None


def _restock_text(product: dict, sold_out: list[str], today: dt.date | None) -> str:
    restock = product.get("restock_date")
    day = dt.date.fromisoformat(restock) if restock else None
    if day is not None and (today is None or day >= today):
        return render("product_restock", sold_out=sold_out, date=day)
    return render("product_restock_unknown", sold_out=sold_out)  # none, or already past


def _stock_text(product: dict, size: str | None, today: dt.date | None) -> str | None:
    stock = product.get("stock")
    name, sku = product["name"], product["sku"]
    if stock is None:
        return None
    if not isinstance(stock, dict):
        state = _state(stock)
        line = render("product_stock_line", size=None, state=state)
        text = render("product_stock_single", product=name, sku=sku, size=None, line=line)
        if state == "sold_out":
            text += "\n" + _restock_text(product, [], today)
        return text
    sizes = [size] if size else _size_names(product)
    states = {s: _state(stock.get(s)) for s in sizes}
    if size and states[size] == "unknown":
        return None  # the catalogue does not say: a person finds out
    lines = [render("product_stock_line", size=s, state=state) for s, state in states.items()]
    if size:
        text = render("product_stock_single", product=name, sku=sku, size=size, line=lines[0])
    else:
        text = render("product_stock", product=name, sku=sku, lines=lines)
    sold_out = [s for s, state in states.items() if state == "sold_out"]
    if sold_out:
        text += "\n" + _restock_text(product, [] if size else sold_out, today)
    return text


def _warranty_text(product: dict, rules: OrderRules | None) -> str | None:
    months = product.get("warranty_months")
    if rules is not None:
        months = rules.warranty_for(product.get("category"), months)
    if months is None:
        return None
    return render("product_warranty", product=product["name"], sku=product["sku"], months=months)


def _summary(product: dict, today: dt.date | None) -> str:
    text = render(
        "product_summary",
        product=product["name"],
        sku=product["sku"],
        price=product["price"],
        material=product["material"],
        care=product.get("care"),
        size_names=_size_names(product),
    )
    stock = _stock_text(product, None, today)
    return f"{text}\n{stock}" if stock else text


def _goes_beyond(text: str, product: dict) -> bool:
    """Whether a message with no question kind asks something besides naming the product."""
    rest = SKU_TOKEN.sub(" ", sku_text(text)).casefold()
    parts = name_parts(product["name"])
    every = {name_key(product["name"]), *parts.core, *parts.tails, *parts.extra}
    for part in sorted(every, key=len, reverse=True):
        rest = rest.replace(part, " ")
    return len(_FILLER.sub("", rest)) >= 2


# --- the reply ----------------------------------------------------------------------------


def shown_name(product: dict, text: str) -> str:
    """The product's name as the answer says it: whole when the customer wrote it whole,
    else its first word (「見本トートバッグ」), always with the SKU beside it. A catalogue name
    is often an order's item name word for word, and an answer to someone not verified must
    not read like a list of what was ordered."""
    name = product["name"]
    if name_key(name) in name_key(text):
        return name
    return unicodedata.normalize("NFKC", name).split()[0] if name.split() else name


def answer(
    text: str,
    products: Sequence[dict],
    *,
    rules: OrderRules | None = None,
    today: dt.date | None = None,
) -> ProductAnswer:
    """The reply to ``text`` about the candidate ``products`` (contract-shaped dicts).

    ``rules`` give the warranty of a product without its own (the category's months);
    ``today`` keeps a restock date that has passed from being announced.
    """
    if not products:
        return ProductAnswer(offer="not_found")
    if len(products) > 1:
        return _choose(text, products)
    [found] = products
    product = {**found, "name": shown_name(found, text)}
    kinds = question_kinds(text)
    sku, name = product["sku"], product["name"]
    missing = _missing_size(text, product) if {"size", "stock", "restock"} & set(kinds) else None
    if missing:
        said = render(
            "product_size_missing",
            product=name,
            sku=sku,
            size=missing,
            size_names=_size_names(product),
        )
        return ProductAnswer(text=said, sku=sku)
    if kinds == ["general"]:
        more = _goes_beyond(text, found)
        return ProductAnswer(text=_summary(product, today), sku=sku, offer="more" if more else None)
    size = asked_size(text, product)
    parts, unknown = [], []
    for kind in kinds:
        if kind == "size":
            part = _sizes_text(product, size)
        elif kind == "material":
            part = product.get("material") and render(
                "product_material", product=name, sku=sku, material=product["material"]
            )
        elif kind == "care":
            part = product.get("care") and render(
                "product_care", product=name, sku=sku, care=product["care"]
            )
        elif kind in ("stock", "restock"):
            part = _stock_text(product, size, today)
        else:
            part = _warranty_text(product, rules)
        if part:
            parts.append(part)
        else:
            unknown.append(topic_name(kind))
    if unknown:
        return ProductAnswer(
            text="\n\n".join(parts),
            sku=sku,
            offer="no_data",
            topic="・".join(unknown),
            product=name,
        )
    return ProductAnswer(text="\n\n".join(parts), sku=sku)


def _choice_title(product: dict, text: str) -> str:
    """「オーガニックコットンTシャツ（TS-01・白）」: the colour or variant stays apart from the
    name, so two products that begin alike can be told apart without the whole name."""
    shown = shown_name(product, text)
    rest = unicodedata.normalize("NFKC", product["name"])[len(shown) :].strip()
    return f"{shown}（{product['sku']}・{rest}）" if rest else f"{shown}（{product['sku']}）"


def _choose(text: str, products: Sequence[dict]) -> ProductAnswer:
    kinds = [kind for kind in question_kinds(text) if kind != "general"]
    topic = "・".join(topic_name(kind) for kind in kinds)
    buttons = [
        {
            "title": _choice_title(product, text),
            "payload": render("product_choice_payload", sku=product["sku"], topic=topic),
        }
        for product in products[:MAX_CHOICES]
    ]
    return ProductAnswer(text=render("product_which"), buttons=buttons)
