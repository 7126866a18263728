import type { ColumnType } from './values.ts';

export interface Column {
	name: string;
	type: ColumnType;
	/** The database's own type name (for PostgreSQL's array casts). */
	native: string;
}

/** One table as both databases must have it, read from the migrated catalogs. */
export interface Table {
	name: string;
	columns: Column[];
	/** Indexes into `columns`, in primary-key order: the copy reads in this order. */
	key: number[];
	/** Tables this one references (foreign keys), itself included for a tree (Message.parentId). */
	references: { table: string; columns: string[] }[];
	/** A single-column reference to its own key (a tree), whose parents may come later in key order. */
	parent?: { column: number; key: number };
	/** PostgreSQL: the sequence behind an autoincrement column, to move past the copied keys. */
	serial?: { column: string; sequence: string };
}

/** Double-quotes an identifier read from the catalog. */
export function quote(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

/** Prisma's SQLite column types (the declared type in its migrations). */
const SQLITE_TYPES: Record<string, ColumnType> = {
	TEXT: 'String',
	INTEGER: 'Int',
	REAL: 'Float',
	BOOLEAN: 'Boolean',
	DATETIME: 'DateTime',
	BLOB: 'Bytes',
	BIGINT: 'BigInt'
};

/** Prisma's PostgreSQL column types (format_type), and the native types models.prisma may ask for. */
function postgresType(native: string): ColumnType | undefined {
	if (native === 'text' || native.startsWith('character')) return 'String';
	if (native === 'integer' || native === 'smallint') return 'Int';
	if (native === 'double precision' || native === 'real') return 'Float';
	if (native === 'boolean') return 'Boolean';
	if (native.startsWith('timestamp')) return 'DateTime';
	if (native === 'bytea') return 'Bytes';
	if (native === 'bigint') return 'BigInt';
	return undefined;
}

export function columnType(dialect: 'sqlite' | 'postgres', native: string): ColumnType {
	const type = dialect === 'sqlite' ? SQLITE_TYPES[native.toUpperCase()] : postgresType(native);
	if (!type) throw new Error(`parley db copy does not know the ${dialect} column type ${native}`);
	return type;
}

/**
 * Orders tables so that every table comes after the ones it references, as inserts need on
 * databases that check foreign keys at once. Ties keep the given order.
 */
export function foreignKeyOrder(tables: Table[]): Table[] {
	const byName = new Map(tables.map((t) => [t.name, t]));
	const ordered: Table[] = [];
	const state = new Map<string, 'visiting' | 'done'>();
	const visit = (table: Table, path: string[]) => {
		if (state.get(table.name) === 'done') return;
		if (state.get(table.name) === 'visiting') {
			throw new Error(`Foreign keys form a cycle: ${[...path, table.name].join(' → ')}`);
		}
		state.set(table.name, 'visiting');
		for (const ref of table.references) {
			const target = byName.get(ref.table);
			if (target && target !== table) visit(target, [...path, table.name]);
		}
		state.set(table.name, 'done');
		ordered.push(table);
	};
	for (const table of tables) visit(table, []);
	return ordered;
}
