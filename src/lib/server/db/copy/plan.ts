import { Prisma } from '../client.ts';
import type { Endpoint, TableShape } from './endpoint.ts';
import { CopyError } from './errors.ts';
import { foreignKeyOrder, type Table } from './tables.ts';

/** The copy's own bookkeeping in the target (see progress.ts), and the databases' own tables. */
const NOT_COPIED = /^(_prisma_migrations|_parley_copy.*|sqlite_.*)$/;

/**
 * Every table Prisma manages (the models of the generated client), in foreign-key order, with the
 * columns, keys and references the migrated catalogs show. Both databases must show the same
 * columns with the same types: they run the same schema version, so a difference means a schema
 * the code does not know.
 */
export async function planTables(source: Endpoint, target: Endpoint): Promise<Table[]> {
	const models = Object.values(Prisma.ModelName) as string[];
	for (const side of [source, target]) {
		const names = (await side.tableNames()).filter((n) => !NOT_COPIED.test(n));
		const missing = models.filter((m) => !names.includes(m));
		const extra = names.filter((n) => !models.includes(n));
		if (missing.length || extra.length) {
			throw new CopyError(
				`${side.label} does not have the tables this Parley expects (${[
					missing.length ? `missing: ${missing.join(', ')}` : '',
					extra.length ? `unknown: ${extra.join(', ')}` : ''
				]
					.filter(Boolean)
					.join('; ')}).`
			);
		}
	}
	const tables: Table[] = [];
	for (const name of models) {
		const [from, to] = [await source.describe(name), await target.describe(name)];
		assertSameShape(name, from, to);
		tables.push(toTable(name, to));
	}
	return foreignKeyOrder(tables);
}

/** Columns by name (a column added by a later migration is last on one database only), and the key. */
function signature(shape: TableShape): string {
	const columns = shape.columns.map((c) => `${c.name}:${c.type}`).sort();
	return JSON.stringify([columns, shape.key]);
}

function assertSameShape(name: string, source: TableShape, target: TableShape): void {
	if (signature(source) !== signature(target)) {
		throw new CopyError(
			`Table ${name} differs between the two databases (columns or key); both must be migrated to this version of Parley.`
		);
	}
	if (!target.key.length) throw new CopyError(`Table ${name} has no primary key to copy in order.`);
	const keyTypes = target.key.map((k) => target.columns.find((c) => c.name === k)?.type);
	if (keyTypes.some((t) => t !== 'String' && t !== 'Int' && t !== 'DateTime')) {
		throw new CopyError(`Table ${name} has a primary key type the copy does not support.`);
	}
}

function toTable(name: string, shape: TableShape): Table {
	const index = (column: string) => shape.columns.findIndex((c) => c.name === column);
	const key = shape.key.map(index);
	const self = shape.references.filter((r) => r.table === name);
	if (self.length > 1 || (self.length && (self[0].columns.length !== 1 || key.length !== 1))) {
		throw new CopyError(`Table ${name} references itself in a way the copy does not support.`);
	}
	return {
		name,
		columns: shape.columns,
		key,
		references: shape.references,
		...(self.length ? { parent: { column: index(self[0].columns[0]), key: key[0] } } : {}),
		...(shape.serial ? { serial: shape.serial } : {})
	};
}
