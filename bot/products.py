"""Products: the shop's catalogue, which answers size, material, care and stock questions.

Filled by ``python -m bot products import FILE`` (CONTRACT-shaped JSON or CSV). An order
item belongs to the product whose ``sku`` equals the item's, or is its prefix followed by
``-`` and a size (``TS-01-M`` belongs to ``TS-01``).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, Integer, String, Text

from bot.db import Base, UTCDateTime


class Product(Base):
    __tablename__ = "products"

    sku = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    category = Column(String(64), nullable=False)
    price = Column(Integer)  # yen, tax included
    material = Column(Text)
    care = Column(Text)
    sizes = Column(JSON)  # [{"size": "M", "measurements": {"着丈": 70, ...}}] (cm)
    stock = Column(JSON)  # a number, or {"M": 3, "L": 0}
    restock_date = Column(Date)
    warranty_months = Column(Integer)  # None: the category's default from shop.yml
    updated_at = Column(UTCDateTime, nullable=False)


PRODUCTS = Product.__table__
