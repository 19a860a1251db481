"""A file the system would not open, read or write, said in Chinese or English.

Python says ``[Errno 2] No such file or directory: 'x.xlsx'`` in English whatever the
language chosen; staff who read Chinese get the file's name and the reason in Chinese.
"""

from __future__ import annotations

import errno
from typing import Final

from orderfarm.messages import Lang

#: errno → (zh, en)
_REASONS: Final[dict[int, tuple[str, str]]] = {
    errno.ENOENT: ("文件或所在文件夹不存在", "no such file or folder"),
    errno.EACCES: ("没有读写权限", "permission denied"),
    errno.EPERM: ("没有读写权限", "permission denied"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "it is a folder, not a file"),
    errno.ENOTDIR: ("路径中有一项不是文件夹", "a part of the path is not a folder"),
    errno.ENOSPC: ("磁盘已满", "the disk is full"),
    errno.EROFS: ("磁盘是只读的", "the disk is read-only"),
    errno.EEXIST: ("文件已存在", "the file exists"),
    errno.ENAMETOOLONG: ("文件名太长", "the file name is too long"),
    errno.EMFILE: ("打开的文件太多", "too many open files"),
    errno.EBUSY: ("文件正被占用", "the file is in use"),
}


def os_error_said(exc: OSError, lang: Lang = "zh") -> str:
    """What went wrong with which file, in ``lang``: the file's name (and the other's, for
    a rename) and the reason, without Python's English."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    where = " → ".join(names)
    known = _REASONS.get(exc.errno) if exc.errno is not None else None
    if lang == "zh":
        if known is not None:
            reason = known[0]
        elif exc.errno is not None:
            reason = f"系统错误（错误号 {exc.errno}）"
        else:
            reason = "系统错误"
        return f"文件 {where}：{reason}" if where else f"文件读写失败：{reason}"
    reason = known[1] if known is not None else (exc.strerror or str(exc))
    return f"{where}: {reason}" if where else f"file error: {reason}"


__all__ = ["os_error_said"]
