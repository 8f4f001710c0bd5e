/* The viewer's dictionary, one place for every name the data does not carry:
 * the city's name by the parent_code of the riskmap.district rows, and the
 * Chinese names of risk categories (riskmap.risk_source.category). Add your
 * city and categories here (plain JSON after the "="); a code without an
 * entry is shown as it is. */
window.RISKMAP_LABELS = {
  "cities": {
    "500000": "重庆市"
  },
  "categories": {
    "building_collapse": "建筑倒塌",
    "chemical": "危险化学品",
    "collapse": "崩塌",
    "crowd": "人员密集场所",
    "dam": "水库大坝",
    "debris_flow": "泥石流",
    "drought": "干旱",
    "earthquake": "地震",
    "epidemic": "传染病疫情",
    "explosive": "民用爆炸物品",
    "fire": "火灾",
    "flood": "洪涝",
    "forest_fire": "森林火灾",
    "gas": "燃气",
    "gas_pipeline": "燃气管道",
    "geological": "地质灾害",
    "hazardous_chemicals": "危险化学品",
    "hazmat": "危险物品",
    "heat": "高温",
    "landslide": "滑坡",
    "mine": "矿山",
    "nuclear": "核与辐射",
    "oil_pipeline": "输油管道",
    "public_health": "公共卫生",
    "reservoir": "水库",
    "snow": "雨雪冰冻",
    "stampede": "踩踏",
    "storm": "暴雨",
    "traffic": "道路交通",
    "typhoon": "台风",
    "waterway": "水上交通",
    "waterlogging": "城市内涝",
    "weather": "气象灾害"
  }
};
