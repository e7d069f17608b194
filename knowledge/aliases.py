"""Short names under which staff refer to documents ("红会法", "捐赠法", "民法典第五百条").

Aliases come from three places: rules applied to every title (drop 中华人民共和国, the 《》
marks, the province suffix), the front matter (``aliases:`` / ``short_name:``) and the table
below with the usual short names of the shipped texts.
"""

from __future__ import annotations

import re

KNOWN_SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "中华人民共和国红十字会法": ("红会法", "红十字法"),
    "中华人民共和国公益事业捐赠法": ("捐赠法", "公益捐赠法"),
    "中华人民共和国慈善法": ("慈善法",),
    "中华人民共和国民法典": ("民法典",),
    "中华人民共和国红十字标志使用办法": ("红十字标志办法", "标志使用办法", "红十字标志管理办法"),
    "中华人民共和国突发事件应对法": ("突发事件法", "应急法"),
    "中华人民共和国公职人员政务处分法": ("政务处分法", "处分法"),
    "中华人民共和国政府采购法实施条例": ("采购法实施条例", "政府采购条例", "采购条例"),
    "中华人民共和国政府采购法": ("采购法",),
    "中华人民共和国预算法实施条例": ("预算法条例",),
    "中华人民共和国反食品浪费法": ("反浪费法", "食品浪费法"),
    "人体器官捐献和移植条例": ("器官捐献条例", "器官移植条例", "人体器官移植条例",
                               "器官捐献移植条例"),
    "财政违法行为处罚处分条例": ("财政违法条例", "财政处罚条例", "427号令"),
    "机关事务管理条例": ("机关事务条例",),
    "社会救助暂行办法": ("社会救助办法",),
    "志愿服务条例": ("志愿者条例",),
    "上海市红十字会条例": ("上海红会条例",),
    "中央和国家机关工作人员赴地方差旅住宿费标准明细表": (
        "差旅住宿费标准", "住宿费标准", "差旅住宿标准", "住宿费标准明细表", "71号文"),
}

# Parts of the civil code shipped as separate files.
CIVIL_CODE_PARTS = {
    "合同编": ("合同编", "民法典合同编"),
    "总则": ("总则编", "民法总则", "民法典总则"),
}

_PLACE_SUFFIX = re.compile(r"^(北京|天津|上海|重庆|[\u4e00-\u9fff]{2,3}?)(市|省|自治区)")


def aliases_for(title: str, extra: list[str], history: list[str]) -> tuple[str, ...]:
    names: list[str] = [title, *extra]
    plain = title.replace("《", "").replace("》", "")
    names.append(plain)
    short = plain.replace("中华人民共和国", "")
    names.append(short)
    # A parenthesised tail is a gloss ("…明细表（财政部《…》附件）"), not part of the name.
    bare = re.sub(r"[（(][^（()）]*(?:[（(][^）)]*[）)][^（()）]*)*[）)]$", "", plain).strip()
    names.append(bare)
    for key in (title, bare):
        names.extend(KNOWN_SHORT_NAMES.get(key, ()))
    for marker, part_names in CIVIL_CODE_PARTS.items():
        if "民法典" in title and any(marker in line for line in history):
            names.extend(part_names)
    # 北京市实施《中华人民共和国红十字会法》办法 → 北京市红十字会法实施办法, 北京实施办法 …
    match = re.match(r"^(.+?)实施(.+?)办法$", short)
    if match:
        place, law = match.groups()
        bare_place = _PLACE_SUFFIX.sub(r"\1", place)
        for where in {place, bare_place}:
            names.extend([f"{where}{law}实施办法", f"{where}实施{law}办法", f"{where}实施办法"])
    place_match = _PLACE_SUFFIX.match(short)
    if place_match:
        names.append(place_match.group(1) + short[place_match.end() :])
    names.extend([name.replace("红十字会", "红会") for name in names if "红十字会" in name])
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if len(name) >= 2 and name not in seen:
            seen[name] = None
    return tuple(seen)
