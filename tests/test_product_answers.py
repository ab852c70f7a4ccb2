"""bot.product_answers: what a product question asks, and the answer from the catalogue alone."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.product_answers import answer, asked_size, question_kind, question_kinds
from bot.settings import OrderRules

TODAY = dt.date(2026, 11, 24)
TSHIRT = {
    "sku": "TS-01",
    "name": "オーガニックコットンTシャツ 白",
    "category": "apparel",
    "price": 3980,
    "material": "綿100%（オーガニックコットン）",
    "care": "洗濯機可（ネット使用）・乾燥機不可",
    "sizes": [
        {"size": "S", "measurements": {"着丈": 66, "身幅": 48}},
        {"size": "M", "measurements": {"着丈": 70, "身幅": 52}},
        {"size": "L", "measurements": {"着丈": 73, "身幅": 55.5}},
    ],
    "stock": {"S": 8, "M": 3, "L": 0},
    "restock_date": "2026-12-10",
    "warranty_months": None,
}
TOTE = {
    "sku": "SMP-TOTE-02",
    "name": "見本トートバッグ 生成り",
    "category": "bags",
    "price": 2980,
    "material": "綿100%（キャンバス 10号）",
    "care": None,
    "sizes": [{"size": "F", "measurements": {"縦": 38, "横": 42, "マチ": 12}}],
    "stock": 0,
    "restock_date": None,
    "warranty_months": None,
}
KETTLE = {**TOTE, "sku": "KT-08", "name": "電気ケトル", "category": "electronics",
          "stock": 5, "warranty_months": 24, "sizes": []}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mサイズの着丈は何センチですか", "size"),
        ("身幅を教えてください", "size"),
        ("大きさはどれくらい？", "size"),
        ("素材は何ですか", "material"),
        ("何でできていますか", "material"),
        ("生地の材質は？", "material"),
        ("洗濯機で洗えますか", "care"),
        ("洗うと縮みますか", "care"),
        ("乾燥機は使えますか", "care"),
        ("お手入れ方法は？", "care"),
        ("アイロンはかけられますか", "care"),
        ("在庫はありますか", "stock"),
        ("売り切れですか", "stock"),
        ("品切れ中ですか", "stock"),
        ("今から買えますか", "stock"),
        ("Lサイズはありますか", "stock"),
        ("再入荷はいつですか", "restock"),
        ("入荷予定を教えて", "restock"),
        ("いつ入りますか", "restock"),
        ("保証はありますか", "warranty"),
        ("この商品について", "general"),
    ],
)
def test_question_kind(text, kind):
    assert question_kind(text) == kind


def test_several_kinds_in_one_question():
    assert question_kinds("素材と洗濯方法を教えてください") == ["material", "care"]
    assert question_kinds("在庫がなければ再入荷の予定は？") == ["restock"]


def test_asked_size():
    assert asked_size("Mサイズの在庫", TSHIRT) == "M"
    assert asked_size("TS-01-Lの着丈", TSHIRT) == "L"
    assert asked_size("ｍの在庫は", TSHIRT) == "M"
    assert asked_size("在庫はありますか", TSHIRT) is None


def test_size_lists_measurements_per_size_in_cm():
    reply = answer("着丈を教えてください", [TSHIRT])
    assert reply.sku == "TS-01" and reply.offer is None
    assert "・S：着丈66cm／身幅48cm" in reply.text
    assert "・L：着丈73cm／身幅55.5cm" in reply.text
    only_m = answer("Mサイズの着丈は何センチ？", [TSHIRT]).text
    assert "着丈70cm" in only_m and "66cm" not in only_m


def test_material_and_care():
    assert "「綿100%（オーガニックコットン）」" in answer("素材は？", [TSHIRT]).text
    care = answer("洗濯で縮みますか", [TSHIRT])
    assert "洗濯機可（ネット使用）・乾燥機不可" in care.text
    assert care.offer is None


def test_stock_per_size_with_the_sold_out_one_and_its_restock_date():
    reply = answer("在庫はありますか", [TSHIRT], today=TODAY)
    assert "Sサイズは在庫がございます。" in reply.text
    assert "Mサイズは在庫がございます（残りわずか）" in reply.text
    assert "Lサイズは売り切れです" in reply.text
    assert "12月10日ごろ入荷予定です（予定のため前後する場合がございます）" in reply.text
    assert reply.offer is None


def test_one_size_in_stock_says_nothing_of_restock():
    reply = answer("Sサイズの在庫は？", [TSHIRT], today=TODAY)
    assert "Sサイズは在庫がございます" in reply.text
    assert "入荷" not in reply.text


def test_restock_known_and_unknown():
    known = answer("Lサイズの再入荷はいつですか", [TSHIRT], today=TODAY)
    assert "Lサイズは売り切れです" in known.text
    assert "12月10日ごろ入荷予定です" in known.text
    unknown = answer("再入荷の予定はありますか", [TOTE], today=TODAY)
    assert "売り切れです" in unknown.text
    assert "再入荷の予定は未定です" in unknown.text
    assert "ごろ" not in unknown.text
    passed = answer("再入荷は？", [TSHIRT], today=dt.date(2026, 12, 11))
    assert "再入荷の予定は未定です" in passed.text  # a date that has passed is no promise


def test_a_size_the_product_does_not_come_in():
    reply = answer("XLサイズはありますか", [TSHIRT])
    assert "XLサイズのご用意がございません（サイズ展開：S・M・L）" in reply.text


def test_warranty_from_the_product_or_its_category():
    assert "24か月" in answer("保証期間は？", [KETTLE], rules=OrderRules()).text
    assert "12か月" in answer("保証期間は？", [TSHIRT], rules=OrderRules()).text
    no_rules = answer("保証期間は？", [TSHIRT])
    assert no_rules.offer == "no_data" and no_rules.topic == "保証"


def test_several_candidates_ask_which_with_one_button_each():
    reply = answer("トートバッグの素材は？", [TOTE, {**TOTE, "sku": "TB-30", "name": "帆布トート"}])
    assert reply.sku is None and reply.offer is None
    assert "どちら" in reply.text
    assert reply.buttons == [
        {
            "title": "見本トートバッグ（SMP-TOTE-02・生成り）",  # the variant apart from the name
            "payload": "SMP-TOTE-02 の素材について",
        },
        {"title": "帆布トート（TB-30）", "payload": "TB-30 の素材について"},
    ]
    # the button's message names the product and the question: answered at once
    assert "キャンバス" in answer(reply.buttons[0]["payload"], [TOTE]).text
    general = answer("トートバッグ", [TOTE, KETTLE])
    assert general.buttons[0]["payload"] == "SMP-TOTE-02 について"


def test_no_product_offers_a_person():
    reply = answer("パーカーの素材は？", [])
    assert reply.offer == "not_found" and reply.text == "" and reply.sku is None


def test_what_the_catalogue_does_not_say_offers_a_person():
    reply = answer("お手入れ方法は？", [TOTE])
    assert reply.offer == "no_data"
    assert (reply.product, reply.topic) == ("見本トートバッグ", "お手入れ方法")
    both = answer("素材とお手入れを教えて", [TOTE])
    assert "キャンバス" in both.text and both.topic == "お手入れ方法"


def test_a_product_named_alone_gets_its_summary():
    reply = answer("商品番号は SMP-TOTE-02 です。", [TOTE], today=TODAY)
    assert reply.offer is None and reply.sku == "SMP-TOTE-02"
    for fact in ("2,980円（税込）", "綿100%（キャンバス 10号）", "サイズ展開：F", "売り切れ"):
        assert fact in reply.text
    beyond = answer("SMP-TOTE-02は防水ですか？", [TOTE], today=TODAY)
    assert beyond.offer == "more" and "2,980円" in beyond.text


def test_no_answer_says_none_or_braces():
    for text in ("着丈", "素材", "洗濯", "在庫", "再入荷", "保証", "について"):
        for product in (TSHIRT, TOTE, KETTLE):
            reply = answer(text, [product], rules=OrderRules(), today=TODAY)
            assert "None" not in reply.text and "{" not in reply.text, (text, reply.text)


def test_the_whole_catalogue_name_is_said_only_when_the_customer_wrote_it():
    # 「見本トートバッグ 生成り」 is also an order's item name: nobody unverified reads it
    short = answer("見本トートバッグの素材は？", [TOTE]).text
    assert "見本トートバッグ（SMP-TOTE-02）" in short and "生成り" not in short
    whole = answer("見本トートバッグ 生成りの素材は？", [TOTE]).text
    assert "見本トートバッグ 生成り（SMP-TOTE-02）" in whole
