package io.herd.cli;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.Member;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders the cluster the way {@code patronictl list} (3.x) does: Member | Host | Role | State | TL | Lag in MB. */
final class ClusterTable
{
    private ClusterTable() {}

    static String render(String scope, ClusterView view)
    {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Member", "Host", "Role", "State", "TL", "Lag in MB"});
        long optime = view.status().optime();
        for (Member member : view.members().values()) {
            boolean leader = view.isLeader(member.name());
            String host = member.postgresAddress().map(HostPort::toString).orElse("");
            String role = leader ? "Leader" : view.sync().isSyncStandby(member.name()) ? "Sync Standby" : "Replica";
            String state = !leader && member.replicationState().isPresent() ? member.replicationState().get() : member.state();
            String timeline = member.timeline().isPresent() ? Integer.toString(member.timeline().getAsInt()) : "";
            String lag = leader ? "" : member.xlogLocation().isPresent()
                    ? Long.toString(Math.round(Math.max(0, optime - member.xlogLocation().getAsLong()) / 1048576.0)) : "unknown";
            rows.add(new String[] {member.name(), host, role, state, timeline, lag});
        }
        int[] widths = new int[6];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        String title = " Cluster: " + scope + " (" + view.initialize().filter(s -> !s.isEmpty()).orElse(view.initialize().isPresent() ? "initializing" : "uninitialized") + ") ";
        String border = border(widths);
        out.append("+").append(center(title, border.length() - 2, '-')).append("+\n");
        for (int r = 0; r < rows.size(); r++) {
            out.append("|");
            for (int i = 0; i < widths.length; i++) {
                out.append(" ").append(String.format(Locale.ROOT, "%-" + widths[i] + "s", rows.get(r)[i])).append(" |");
            }
            out.append("\n");
            if (r == 0) {
                out.append(border).append("\n");
            }
        }
        out.append(border).append("\n");
        if (view.paused()) {
            out.append(" Maintenance mode: on\n");
        }
        return out.toString();
    }

    private static String border(int[] widths)
    {
        StringBuilder line = new StringBuilder("+");
        for (int width : widths) {
            line.append("-".repeat(width + 2)).append("+");
        }
        return line.toString();
    }

    private static String center(String text, int width, char fill)
    {
        if (text.length() >= width) {
            return text;
        }
        int left = (width - text.length()) / 2;
        return String.valueOf(fill).repeat(left) + text + String.valueOf(fill).repeat(width - text.length() - left);
    }
}
