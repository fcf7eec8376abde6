//! ORM model classes of the project, learnt in the first pass: their bases (through the imports)
//! and the primary key they declare, so a query's model can be recognised as a Beanie `Document`
//! or a mapped SQLAlchemy/SQLModel class in any file, with the name and type of its key.

use crate::codemod::{contains_word, import_lines};
use crate::parse::NodeLookups;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::{qualified_static, same_object};
use crate::source::{contains, find_all};
use crate::syntax::{named_children, text, CallArgs};
use tree_sitter::{Node, Tree};

/// Whether a file may declare or extend a model class, judged by its text: a `class` line
/// with a `Document` or `SQLModel` base, or a class in a file that imports SQLAlchemy or SQLModel
/// and declares a primary key or a table. Other files are not parsed for models.
pub fn may_declare_models(source: &str) -> bool {
    // Found from the keyword rather than by reading every line.
    let mut class_lines = find_all(source, "class ")
        .filter(|&at| {
            let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
            source[line_start..at].trim_start().is_empty()
        })
        .map(|at| source[at..].lines().next().unwrap_or(""))
        .peekable();
    if class_lines.peek().is_none() {
        return false;
    }
    let names_a_model_base = |line: &str| {
        line.split_once('(')
            .is_some_and(|(_, bases)| bases.contains("Document") || bases.contains("SQLModel"))
    };
    // A mapped class or a SQLModel table: the rare literals before the import lines.
    class_lines.any(names_a_model_base)
        || (["primary_key=True", "table=True"]
            .iter()
            .any(|literal| contains(source, literal))
            && {
                let lines = import_lines(source);
                ["sqlalchemy", "sqlmodel"]
                    .iter()
                    .any(|module| contains_word(&lines, module))
            })
}

/// One class defined at module level, as the first pass records it.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ClassFacts {
    /// `app.models.Product`.
    pub qualified: String,
    /// Qualified names of its bases (a class of the same module as `module.Name`).
    pub bases: Vec<String>,
    /// `class Hero(SQLModel, table=True)`.
    pub table: bool,
    /// Attributes declared with `primary_key=True`, and their Python type.
    pub primary_keys: Vec<(String, KeyType)>,
    /// The type of an `id` annotation (a Beanie document's own id type).
    pub id_annotation: Option<KeyType>,
    /// Attributes the class body declares (annotated, or assigned a column).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Attributes that lead an index the class declares: `Indexed(...)` annotations, the first
    /// key of each `Settings.indexes` entry, `index=True`/`unique=True`/`primary_key=True`
    /// columns, the first column of an `Index(...)`/`UniqueConstraint(...)` in `__table_args__`.
    #[serde(default)]
    pub indexed: Vec<String>,
    /// The annotation of each annotated field, as written (`Optional[str]`).
    #[serde(default)]
    pub annotations: Vec<(String, String)>,
    /// SQLAlchemy `relationship(...)` / SQLModel `Relationship(...)` attributes and their loader
    /// strategy (`lazy=`, or SQLModel's `sa_relationship_kwargs={"lazy": ...}`; `select` when
    /// not given); `association_proxy(...)` attributes, with `association_proxy`.
    #[serde(default)]
    pub relationships: Vec<(String, String)>,
    /// Beanie fields annotated with one `Link[...]` (optional or not, not a list of links).
    #[serde(default)]
    pub links: Vec<String>,
    /// The codes suppressed on the class's name line: `# noqa: PO203` gives `PO203`, a bare
    /// `# noqa` an empty prefix (every code); codes turned off for its file by
    /// `per-file-ignores` too. A finding there is dropped, so a fix another file's finding
    /// relies on (PO203's projection models) is not made.
    #[serde(default)]
    pub suppressed: Vec<String>,
    /// Names the class body binds besides its fields and methods: nested classes (an `Enum`;
    /// not `Settings` or `Config`) and plain values (`DEFAULT_CITY = "Paris"`). A declaration
    /// copied out of the class may name them, and they are not defined outside it.
    #[serde(default)]
    pub body_names: Vec<String>,
}

impl ClassFacts {
    /// Whether findings of `code` on the class's name are suppressed.
    pub fn suppresses(&self, code: &str) -> bool {
        self.suppressed.iter().any(|c| code.starts_with(c.as_str()))
    }

    /// Whether `field` is a relation, not a stored value: a `Link[...]`/`BackLink[...]`
    /// annotation (a list of them too), a `relationship(...)`/`Relationship(...)`.
    pub fn is_relation(&self, field: &str) -> bool {
        self.relationships.iter().any(|(name, _)| name == field)
            || self
                .annotations
                .iter()
                .any(|(name, annotation)| name == field && annotation.contains("Link["))
    }
}

/// The Python type of a primary key, as far as paging by it needs to know.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum KeyType {
    Int,
    Str,
    Uuid,
    ObjectId,
    Unknown,
}

/// Which library maps a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    Beanie,
    Sql,
}

/// A model class the project defines, resolved through its bases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrmModel {
    pub orm: Orm,
    /// The attribute holding the primary key and its type; `None` when it is composite or
    /// declared where perfopt cannot see it.
    pub key: Option<(String, KeyType)>,
}

const BEANIE_DOCUMENT: &[&str] = &["beanie.Document", "beanie.odm.documents.Document"];

/// Module-level classes of a file that have bases.
pub fn class_facts(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<ClassFacts> {
    let local = |name: &str| format!("{}.{name}", module.join("."));
    let mut classes = Vec::new();
    for statement in named_children(tree.root_node()) {
        let class = match statement.kind_name() {
            "decorated_definition" => statement.field("definition"),
            _ => Some(statement),
        };
        let Some(class) = class.filter(|c| c.kind_name() == "class_definition") else {
            continue;
        };
        let (Some(name), Some(arguments)) = (class.field("name"), class.field("superclasses"))
        else {
            continue;
        };
        let mut facts = ClassFacts {
            qualified: local(text(name, source)),
            bases: Vec::new(),
            table: false,
            primary_keys: Vec::new(),
            id_annotation: None,
            fields: Vec::new(),
            indexed: Vec::new(),
            annotations: Vec::new(),
            relationships: Vec::new(),
            links: Vec::new(),
            suppressed: suppressed_on_line(name, source),
            body_names: Vec::new(),
        };
        for base in named_children(arguments) {
            match base.kind_name() {
                "keyword_argument" => {
                    let keyword = base.field("name").map(|n| text(n, source));
                    let value = base.field("value").map(|v| text(v, source));
                    facts.table |= keyword == Some("table") && value == Some("True");
                }
                "identifier" | "attribute" => facts.bases.push(
                    qualified_static(base, source, imports)
                        .unwrap_or_else(|| local(text(base, source))),
                ),
                _ => {}
            }
        }
        if let Some(body) = class.field("body") {
            read_body(body, source, imports, &mut facts);
        }
        classes.push(facts);
    }
    classes
}

/// The codes a `# noqa` or `# perfopt: ignore` comment suppresses on the line of `node`.
fn suppressed_on_line(node: Node, source: &str) -> Vec<String> {
    let rest = &source[node.start_byte()..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let codes = line
        .find('#')
        .and_then(|hash| crate::checker::parse_suppression(&line[hash..]));
    match codes {
        Some(Some(codes)) => codes,
        Some(None) => vec![String::new()],
        None => Vec::new(),
    }
}

/// Primary-key columns, the `id` annotation, the declared fields and the indexed ones among the
/// class's attribute declarations.
fn read_body(body: Node, source: &str, imports: &ImportMap, facts: &mut ClassFacts) {
    for statement in named_children(body) {
        if let Some(settings) = statement.field("body").filter(|_| {
            statement.kind_name() == "class_definition"
                && statement
                    .field("name")
                    .is_some_and(|n| text(n, source) == "Settings")
        }) {
            facts.indexed.extend(settings_index_keys(settings, source));
            continue;
        }
        if let Some(nested) = statement
            .field("name")
            .filter(|_| statement.kind_name() == "class_definition")
        {
            match text(nested, source) {
                // Pydantic turns a `class Config:` into `model_config`.
                "Config" => facts.fields.push("model_config".to_string()),
                name => facts.body_names.push(name.to_string()),
            }
            continue;
        }
        let Some(assignment) = statement.named_child(0).filter(|a| {
            statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
        }) else {
            continue;
        };
        let Some(target) = assignment
            .field("left")
            .filter(|l| l.kind_name() == "identifier")
        else {
            continue;
        };
        let name = text(target, source);
        let annotation = assignment.field("type");
        let declared = annotation.map(|a| key_type_of_annotation(text(a, source)));
        if name == "id" {
            facts.id_annotation = declared;
        }
        let value = assignment.field("right");
        if name == "__table_args__" {
            facts
                .indexed
                .extend(value.map_or_else(Vec::new, |v| table_index_columns(v, source)));
            continue;
        }
        if annotation.is_some() || value.is_some_and(|v| v.kind_name() == "call") {
            facts.fields.push(name.to_string());
        } else if !name.starts_with("__") {
            facts.body_names.push(name.to_string());
        }
        if let Some(annotation) = annotation {
            facts
                .annotations
                .push((name.to_string(), text(annotation, source).to_string()));
        }
        if annotation.is_some_and(|a| text(a, source).contains("Indexed(")) {
            facts.indexed.push(name.to_string());
        }
        if annotation.is_some_and(|a| is_single_link(text(a, source))) {
            facts.links.push(name.to_string());
        }
        let Some(column) = value.filter(|r| r.kind_name() == "call") else {
            continue;
        };
        if let Some(lazy) = relationship_loader(column, source, imports) {
            facts.relationships.push((name.to_string(), lazy));
            continue;
        }
        let args = CallArgs::of(column, source);
        let flag = |keyword: &str| {
            args.keyword(keyword)
                .is_some_and(|v| text(v, source) == "True")
        };
        let is_key = flag("primary_key");
        if is_key || flag("index") || flag("unique") {
            facts.indexed.push(name.to_string());
        }
        let is_column = column
            .field("function")
            .and_then(|f| qualified_static(f, source, imports))
            .is_some_and(|q| {
                (q.starts_with("sqlalchemy.") || q.starts_with("sqlmodel."))
                    && ["mapped_column", "Column", "Field"]
                        .iter()
                        .any(|c| q.ends_with(&format!(".{c}")))
            });
        if !(is_key && is_column) {
            continue;
        }
        let key_type = match declared {
            Some(declared) if declared != KeyType::Unknown => declared,
            _ => args
                .positional
                .first()
                .map_or(KeyType::Unknown, |t| key_type_of_column(text(*t, source))),
        };
        facts.primary_keys.push((name.to_string(), key_type));
    }
}

/// `Link[Customer]`, `Optional[Link[Customer]]`, `Link["Customer"] | None`: one linked document.
fn is_single_link(annotation: &str) -> bool {
    let compact: String = annotation.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = compact
        .strip_prefix("Optional[")
        .and_then(|i| i.strip_suffix(']'))
        .or_else(|| compact.strip_suffix("|None"))
        .unwrap_or(&compact);
    inner.starts_with("Link[") || inner.starts_with("beanie.Link[")
}

/// The loader strategy of a `relationship(...)` (SQLAlchemy) or `Relationship(...)` (SQLModel)
/// call, `association_proxy` for an `association_proxy(...)`; `None` when `column` is none.
fn relationship_loader(column: Node, source: &str, imports: &ImportMap) -> Option<String> {
    let callee = column
        .field("function")
        .and_then(|f| qualified_static(f, source, imports))?;
    if callee.starts_with("sqlalchemy.") && callee.ends_with(".association_proxy") {
        // Reads through a relationship: not a column (`load_only` refuses it), never lazy itself.
        return Some("association_proxy".to_string());
    }
    let args = CallArgs::of(column, source);
    let lazy = if callee.starts_with("sqlalchemy.") && callee.ends_with(".relationship") {
        args.keyword("lazy")
    } else if callee.starts_with("sqlmodel.") && callee.ends_with(".Relationship") {
        args.keyword("sa_relationship_kwargs")
            .filter(|d| d.kind_name() == "dictionary")
            .and_then(|d| {
                named_children(d).into_iter().find_map(|pair| {
                    let key = pair.field("key")?;
                    (string_value(key, source)? == "lazy").then(|| pair.field("value"))?
                })
            })
    } else {
        return None;
    };
    Some(
        lazy.and_then(|l| string_value(l, source))
            .unwrap_or_else(|| "select".to_string()),
    )
}

/// The leading key of each entry of `indexes = [...]` in a Beanie `Settings` class: its first
/// string (`"email"`, `[("email", 1)]`, `IndexModel([("email", ASCENDING)], unique=True)`).
fn settings_index_keys(settings: Node, source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for statement in named_children(settings) {
        let Some(list) = statement
            .named_child(0)
            .filter(|a| a.kind_name() == "assignment")
            .filter(|a| {
                a.field("left")
                    .is_some_and(|l| text(l, source) == "indexes")
            })
            .and_then(|a| a.field("right"))
            .filter(|l| matches!(l.kind_name(), "list" | "tuple"))
        else {
            continue;
        };
        for entry in named_children(list) {
            if let Some(key) = first_string(entry, source) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The first column of each `Index("ix_name", "email", ...)` or `UniqueConstraint("email", ...)`
/// in `__table_args__`, named by a string or as `Model.email`/`email`.
fn table_index_columns(args: Node, source: &str) -> Vec<String> {
    let mut columns = Vec::new();
    let entries = match args.kind_name() {
        "tuple" | "list" => named_children(args),
        _ => vec![args],
    };
    for entry in entries.into_iter().filter(|e| e.kind_name() == "call") {
        let Some(function) = entry.field("function") else {
            continue;
        };
        let callee = text(function, source);
        let callee = callee.rsplit('.').next().unwrap_or(callee);
        let position = match callee {
            "Index" => 1,
            "UniqueConstraint" | "PrimaryKeyConstraint" => 0,
            _ => continue,
        };
        let Some(column) = CallArgs::of(entry, source)
            .positional
            .get(position)
            .copied()
        else {
            continue;
        };
        let name = match column.kind_name() {
            "string" => string_value(column, source),
            "identifier" | "attribute" => {
                let dotted = text(column, source);
                Some(dotted.rsplit('.').next().unwrap_or(dotted).to_string())
            }
            _ => None,
        };
        columns.extend(name);
    }
    columns
}

/// The first string literal in `node`, in source order.
fn first_string(node: Node, source: &str) -> Option<String> {
    if node.kind_name() == "string" {
        return string_value(node, source);
    }
    named_children(node)
        .into_iter()
        .find_map(|child| first_string(child, source))
}

/// The value of a plain string literal (`"email"`, `'email'`); `None` for f-strings and
/// concatenations.
pub fn string_value(node: Node, source: &str) -> Option<String> {
    if node.kind_name() != "string"
        || named_children(node)
            .iter()
            .any(|c| c.kind_name() == "interpolation")
    {
        return None;
    }
    let literal = text(node, source).trim_start_matches(['r', 'R', 'u', 'U']);
    let quote = literal.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    literal
        .strip_prefix(quote)?
        .strip_suffix(quote)
        .map(str::to_string)
}

/// `Mapped[int]`, `int | None`, `Optional[uuid.UUID]` → the key type.
fn key_type_of_annotation(annotation: &str) -> KeyType {
    let mut inner: String = annotation.chars().filter(|c| !c.is_whitespace()).collect();
    loop {
        let peeled = ["Mapped[", "Optional[", "typing.Optional[", "orm.Mapped["]
            .iter()
            .find_map(|wrapper| inner.strip_prefix(wrapper)?.strip_suffix(']'))
            .map(str::to_string)
            .or_else(|| inner.strip_suffix("|None").map(str::to_string))
            .or_else(|| inner.strip_prefix("None|").map(str::to_string));
        match peeled {
            Some(peeled) => inner = peeled,
            None => break,
        }
    }
    match inner.rsplit('.').next().unwrap_or(&inner) {
        "int" => KeyType::Int,
        "str" => KeyType::Str,
        "UUID" | "UUID4" => KeyType::Uuid,
        "PydanticObjectId" | "ObjectId" => KeyType::ObjectId,
        _ => KeyType::Unknown,
    }
}

/// `Integer`, `sa.BigInteger`, `String(36)` → the Python type SQLAlchemy gives the column.
fn key_type_of_column(column_type: &str) -> KeyType {
    let name = column_type.split('(').next().unwrap_or(column_type);
    match name.rsplit('.').next().unwrap_or(name) {
        "Integer" | "BigInteger" | "SmallInteger" | "INTEGER" | "BIGINT" | "SMALLINT" => {
            KeyType::Int
        }
        "String" | "Text" | "Unicode" | "UnicodeText" | "VARCHAR" | "CHAR" | "TEXT" => KeyType::Str,
        "Uuid" => KeyType::Uuid,
        _ => KeyType::Unknown,
    }
}

/// The class `qualified` names and its ancestors the project defines, most derived first, and
/// whether one of them derives from Beanie's `Document`.
pub fn lineage<'c>(classes: &'c [ClassFacts], qualified: &str) -> (Vec<&'c ClassFacts>, bool) {
    let mut chain: Vec<&ClassFacts> = Vec::new();
    let mut pending = vec![qualified.to_string()];
    let mut is_document = false;
    while let Some(name) = pending.pop() {
        if chain.len() > 32 {
            break;
        }
        if BEANIE_DOCUMENT.contains(&name.as_str()) {
            is_document = true;
            continue;
        }
        let Some(class) = classes
            .iter()
            .find(|c| same_object(&c.qualified, &name) && !chain.contains(c))
        else {
            continue;
        };
        chain.push(class);
        pending.extend(class.bases.iter().rev().cloned());
    }
    (chain, is_document)
}

/// The model `qualified` names, found among `classes` and resolved through their bases.
pub fn resolve(classes: &[ClassFacts], qualified: &str) -> Option<OrmModel> {
    let (chain, is_document) = lineage(classes, qualified);
    if is_document {
        let id = chain
            .iter()
            .find_map(|c| c.id_annotation)
            .unwrap_or(KeyType::ObjectId);
        return Some(OrmModel {
            orm: Orm::Beanie,
            key: Some(("id".to_string(), id)),
        });
    }
    let declaring = chain.iter().find(|c| !c.primary_keys.is_empty());
    if declaring.is_none() && !chain.first().is_some_and(|c| c.table) {
        return None;
    }
    let key = declaring
        .filter(|c| c.primary_keys.len() == 1)
        .map(|c| c.primary_keys[0].clone());
    Some(OrmModel { orm: Orm::Sql, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn classes(source: &str) -> Vec<ClassFacts> {
        let tree = parse(source).unwrap();
        let module = vec!["app".to_string(), "models".to_string()];
        let imports = ImportMap::build(&tree, source, &module);
        class_facts(&tree, source, &imports, &module)
    }

    #[test]
    fn only_files_that_may_declare_models_are_parsed_for_them() {
        assert!(may_declare_models(
            "class Product(BaseDocument):\n    name: str\n"
        ));
        let column = "class Item(Base):\n    id = Column(Integer, primary_key=True)\n";
        assert!(may_declare_models(&format!(
            "from sqlalchemy import Column, Integer\n{column}"
        )));
        assert!(!may_declare_models(&format!(
            "from .schema import Column\n{column}"
        )));
        assert!(!may_declare_models(
            "# a Document about class names\nx = 1\n"
        ));
        assert!(!may_declare_models(
            "class DocumentParser:\n    doc = 'Document'\n"
        ));
    }

    #[test]
    fn documents_resolve_through_project_bases() {
        let found = classes(
            "from beanie import Document\nfrom uuid import UUID\nclass Base(Document):\n    pass\nclass Product(Base):\n    name: str\nclass Tagged(Document):\n    id: UUID\n",
        );
        assert_eq!(
            resolve(&found, "app.models.Product"),
            Some(OrmModel {
                orm: Orm::Beanie,
                key: Some(("id".into(), KeyType::ObjectId))
            })
        );
        assert_eq!(
            resolve(&found, "models.Tagged").and_then(|m| m.key),
            Some(("id".into(), KeyType::Uuid))
        );
        assert_eq!(resolve(&found, "app.models.Missing"), None);
    }

    #[test]
    fn sql_keys_come_from_annotations_or_column_types() {
        let found = classes(
            "import sqlalchemy as sa\nfrom sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase\nfrom sqlmodel import SQLModel, Field\nclass Base(DeclarativeBase):\n    pass\nclass Item(Base):\n    __tablename__ = 'items'\n    item_id: Mapped[int] = mapped_column(primary_key=True)\nclass Legacy(Base):\n    code = sa.Column(sa.String(8), primary_key=True)\nclass Hero(SQLModel, table=True):\n    id: int | None = Field(default=None, primary_key=True)\nclass Pair(Base):\n    a: Mapped[int] = mapped_column(primary_key=True)\n    b: Mapped[int] = mapped_column(primary_key=True)\nclass HeroIn(SQLModel):\n    name: str\n",
        );
        let key = |name: &str| resolve(&found, name).map(|m| (m.orm, m.key));
        assert_eq!(
            key("app.models.Item"),
            Some((Orm::Sql, Some(("item_id".into(), KeyType::Int))))
        );
        assert_eq!(
            key("app.models.Legacy"),
            Some((Orm::Sql, Some(("code".into(), KeyType::Str))))
        );
        assert_eq!(
            key("app.models.Hero"),
            Some((Orm::Sql, Some(("id".into(), KeyType::Int))))
        );
        assert_eq!(key("app.models.Pair"), Some((Orm::Sql, None)));
        assert_eq!(key("app.models.HeroIn"), None);
    }

    #[test]
    fn relationships_and_links_are_recorded_with_their_loading() {
        let found = classes(
            "from typing import Optional\nfrom beanie import Document, Link\nfrom sqlalchemy.orm import Mapped, relationship\nfrom sqlmodel import SQLModel, Field, Relationship\nclass Order(Base):\n    __tablename__ = 'orders'\n    items: Mapped[list['Item']] = relationship(back_populates='order')\n    customer: Mapped['Customer'] = relationship(lazy='joined')\nclass Team(SQLModel, table=True):\n    heroes: list['Hero'] = Relationship(sa_relationship_kwargs={'lazy': 'selectin'})\nclass Post(Document):\n    author: Link['Author']\n    editor: Optional[Link['Author']] = None\n    tags: list[Link['Tag']] = []\n",
        );
        let order = found
            .iter()
            .find(|c| c.qualified == "app.models.Order")
            .unwrap();
        assert_eq!(
            order.relationships,
            [
                ("items".into(), "select".into()),
                ("customer".into(), "joined".into())
            ]
        );
        let team = found
            .iter()
            .find(|c| c.qualified == "app.models.Team")
            .unwrap();
        assert_eq!(team.relationships, [("heroes".into(), "selectin".into())]);
        let post = found
            .iter()
            .find(|c| c.qualified == "app.models.Post")
            .unwrap();
        assert_eq!(post.links, ["author", "editor"]);
    }
}
