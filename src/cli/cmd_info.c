/*
 * cmd_info.c: what gntboxd can tell: gntbox list (domains), gntbox grants
 * (grant tables), gntbox ports (event channels, like Xen's lsevtchn) and
 * gntbox stats (counters, optionally as JSON).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"

/* Open a control session, or say why not.  0 or an exit status. */
static int
info_open(const char *cmd, struct gbx_conn **c)
{
	char dir[GBX_PATH_MAX];
	int error;

	if ((error = gbx_ctl_open(c)) == 0)
		return (0);
	if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
		snprintf(dir, sizeof(dir), "the runtime directory");
	if (error == ENOENT || error == ECONNREFUSED)
		return (cli_fail(cmd, "no gntboxd serves %s", dir));
	return (cli_fail(cmd, "gntboxd: %s", strerror(error)));
}

int
cmd_list(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_domain_rec *d;
	struct gbx_conn *c;
	uint32_t i, n;
	int error, rc;

	if ((rc = cli_options("list", argc, argv, 0,
		 "usage: gntbox list\n\nList the domains: id, name, open "
		 "connections, grants in use,\nmaptrack handles, ports, and "
		 "whether privileged or being destroyed.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = info_open("list", &c)) != 0)
		return (rc);
	error = gbx_ctl_domains(c, &d, &n);
	gbx_conn_close(c);
	if (error != 0)
		return (cli_fail("list", "%s", strerror(error)));
	printf("%-6s %-20s %6s %7s %8s %6s  %s\n", "DOMID", "NAME", "CONNS",
	    "GRANTS", "HANDLES", "PORTS", "FLAGS");
	for (i = 0; i < n; i++) {
		d[i].name[GBX_NAME_MAX - 1] = '\0';
		printf("%-6u %-20s %6u %7u %8u %6u  %s%s\n", d[i].domid,
		    d[i].name, d[i].conns, d[i].grants, d[i].handles,
		    d[i].ports,
		    (d[i].flags & GBX_DOM_PRIVILEGED) != 0 ? "privileged" : "",
		    (d[i].flags & GBX_DOM_DYING) != 0 ? "dying" : "");
	}
	free(d);
	cli_block_list_dms();
	return (0);
}

/* A grant entry's GTF_* flags, by name. */
static void
grant_flags(uint16_t f, char *buf, size_t len)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ GTF_readonly, "readonly" },
		{ GTF_reading, "reading" },
		{ GTF_writing, "writing" },
		{ GTF_sub_page, "sub_page" },
	};
	size_t i, used;

	switch (f & GTF_type_mask) {
	case GTF_permit_access:
		used = (size_t)snprintf(buf, len, "permit_access");
		break;
	case GTF_invalid:
		used = (size_t)snprintf(buf, len, "invalid");
		break;
	default:
		used = (size_t)snprintf(buf, len, "type%u", f & GTF_type_mask);
		break;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++)
		if ((f & names[i].bit) != 0)
			used += (size_t)snprintf(buf + used, len - used, "|%s",
			    names[i].name);
}

int
cmd_grants(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_grant_rec *g;
	struct gbx_conn *c;
	char flags[80];
	uint32_t i, j, n;
	int domid, error, rc;

	if ((rc = cli_options("grants", argc, argv, CLI_OPT_DOM,
		 "usage: gntbox grants [--dom N]\n\nDump the grant tables "
		 "(of domain N, or of all): each entry in use\nwith its flags, "
		 "grantee, frame, pins (writable/read-only host\nmappings), "
		 "state, the process that shared it and the processes that\n"
		 "map it.  'deferred' entries were given up by their owner "
		 "while the\ngrantee still maps them.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	domid = o.domid < 0 ? GBX_ALL_DOMAINS : o.domid;
	if ((rc = info_open("grants", &c)) != 0)
		return (rc);
	error = gbx_ctl_grants(c, (unsigned)domid, &g, &n);
	gbx_conn_close(c);
	if (error == ESRCH)
		return (cli_fail("grants", "there is no domain %d", domid));
	if (error != 0)
		return (cli_fail("grants", "%s", strerror(error)));
	printf("%-5s %6s  %-32s %6s  %-10s %5s  %-8s %7s  %s\n", "DOM", "REF",
	    "FLAGS", "DOMID", "FRAME", "PINS", "STATE", "OWNER", "MAPPED BY");
	for (i = 0; i < n; i++) {
		grant_flags(g[i].flags, flags, sizeof(flags));
		printf("%-5u %6u  %-32s %6u  0x%08x %2uw/%ur  %-8s %7u ",
		    g[i].domid, g[i].ref, flags, g[i].grantee, g[i].frame,
		    g[i].pin_w, g[i].pin_r,
		    (g[i].state & GBX_GRANT_DEFERRED) != 0 ? "deferred" :
							     "live",
		    g[i].owner_pid);
		for (j = 0; j < g[i].nmappers && j < GBX_REC_MAPPERS; j++)
			printf(" %u", g[i].mapper_pid[j]);
		if (g[i].nmappers > GBX_REC_MAPPERS)
			printf(" (+%u)", g[i].nmappers - GBX_REC_MAPPERS);
		putchar('\n');
	}
	free(g);
	return (0);
}

int
cmd_ports(int argc, char **argv)
{
	struct cli_opts o;
	static const char *states[] = { "free", "unbound", "interdomain",
		"virq" };
	struct gbx_port_rec *p;
	struct gbx_conn *c;
	uint32_t i, n;
	int domid, error, rc;

	if ((rc = cli_options("ports", argc, argv, CLI_OPT_DOM,
		 "usage: gntbox ports [--dom N]\n\nList the event-channel "
		 "ports in use (of domain N, or of all), like\nXen's "
		 "lsevtchn: state, remote end, owning process, and unmap\n"
		 "notifies waiting to fire on the port.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	domid = o.domid < 0 ? GBX_ALL_DOMAINS : o.domid;
	if ((rc = info_open("ports", &c)) != 0)
		return (rc);
	error = gbx_ctl_ports(c, (unsigned)domid, &p, &n);
	gbx_conn_close(c);
	if (error == ESRCH)
		return (cli_fail("ports", "there is no domain %d", domid));
	if (error != 0)
		return (cli_fail("ports", "%s", strerror(error)));
	printf("%-5s %6s  %-12s %-14s %7s %8s\n", "DOM", "PORT", "STATE",
	    "REMOTE", "OWNER", "NOTIFIES");
	for (i = 0; i < n; i++) {
		char remote[32] = "";

		if (p[i].state == GBX_PORT_UNBOUND)
			snprintf(remote, sizeof(remote), "dom %u",
			    p[i].remote_dom);
		else if (p[i].state == GBX_PORT_INTERDOMAIN)
			snprintf(remote, sizeof(remote), "dom %u port %u",
			    p[i].remote_dom, p[i].remote_port);
		else if (p[i].state == GBX_PORT_VIRQ)
			snprintf(remote, sizeof(remote), "virq %u", p[i].virq);
		printf("%-5u %6u  %-12s %-14s %7u %8u\n", p[i].domid, p[i].port,
		    p[i].state < 4 ? states[p[i].state] : "?", remote,
		    p[i].owner_pid, p[i].notify_refs);
	}
	free(p);
	return (0);
}

int
cmd_stats(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_stats st;
	struct gbx_conn *c;
	int error, rc;
	const struct {
		const char *name;
		uint64_t *v;
	} f[] = {
		{ "domains", &st.domains },
		{ "connections", &st.connections },
		{ "grants", &st.grants },
		{ "maps", &st.maps },
		{ "handles", &st.handles },
		{ "deferred", &st.deferred },
		{ "pages", &st.pages },
		{ "arenas", &st.arenas },
		{ "ports", &st.ports },
		{ "nodes", &st.nodes },
		{ "watches", &st.watches },
		{ "transactions", &st.transactions },
		{ "deferred_released", &st.deferred_released },
		{ "notifies_fired", &st.notifies_fired },
		{ "protocol_errors", &st.protocol_errors },
		{ "conns_dropped", &st.conns_dropped },
	};
	size_t i;

	if ((rc = cli_options("stats", argc, argv, CLI_OPT_JSON,
		 "usage: gntbox stats [--json]\n\nPrint gntboxd's counters. "
		 "The first twelve are levels (what exists\nnow: every test "
		 "expects them back at their baseline afterwards); the\nrest "
		 "are totals since gntboxd started.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = info_open("stats", &c)) != 0)
		return (rc);
	error = gbx_ctl_stats(c, &st);
	gbx_conn_close(c);
	if (error != 0)
		return (cli_fail("stats", "%s", strerror(error)));
	if (o.json)
		putchar('{');
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (o.json)
			printf("%s\"%s\": %llu", i == 0 ? "" : ", ", f[i].name,
			    (unsigned long long)*f[i].v);
		else
			printf("%-18s %llu\n", f[i].name,
			    (unsigned long long)*f[i].v);
	}
	if (o.json)
		printf("}\n");
	return (0);
}
