#!/bin/sh
# Puts desktop-llm in this user's applications menu (no root needed): run it from the unpacked
# folder, which stays where it is. `./install.sh --uninstall` takes the menu entry away again;
# your conversations and models (in ~/.local/share/desktop-llm) are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/desktop-llm.desktop"
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$entry"
    for size in $sizes; do
        rm -f "$data/icons/hicolor/${size}x${size}/apps/desktop-llm.png"
    done
    echo "desktop-llm was removed from the applications menu."
    exit 0
fi

case "$here" in
    *[\"\`\$\\%]*)
        echo "install.sh: the menu entry cannot name a folder whose path holds \" \` \$ \\ or %;" \
            "move the desktop-llm folder elsewhere and run it again." >&2
        exit 1 ;;
esac

mkdir -p "$data/applications"
for size in $sizes; do
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$here/_internal/desktop_llm/resources/icons/desktop-llm-$size.png" \
        "$data/icons/hicolor/${size}x${size}/apps/desktop-llm.png"
done
# Exec and TryExec name this folder's executable (quoted: the path may hold spaces).
folder=$(printf '%s' "$here" | sed 's/[|&]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$folder/desktop-llm\"|" -e "s|^TryExec=.*|TryExec=$folder/desktop-llm|" \
    "$here/desktop-llm.desktop" > "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "desktop-llm is now in your applications menu (it starts $here/desktop-llm)."
